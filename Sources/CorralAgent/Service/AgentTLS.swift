import NIOSSL

/// The TCP listener's TLS: the certificate chain and key of `listen { tls { ... } }`, read once at
/// start (TLS 1.2 at least, as NIOSSL's server default).
enum AgentTLS {
    static func serverConfiguration(_ files: AgentSettings.TLSFiles) throws(AgentTLSError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(files.certFile) } catch {
            throw AgentTLSError(key: "cert_file", file: files.certFile, reason: "\(error)")
        }
        guard !chain.isEmpty else { throw AgentTLSError(key: "cert_file", file: files.certFile, reason: "no certificate in it") }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: files.keyFile, format: .pem) } catch {
            throw AgentTLSError(key: "key_file", file: files.keyFile, reason: "\(error)")
        }
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }
}

/// A certificate or key file that cannot be used, by its key in `listen.tls`.
struct AgentTLSError: Error, CustomStringConvertible {
    var key: String
    var file: String
    var reason: String

    var description: String { "\(key) \"\(file)\": \(reason)" }
}
