#if canImport(Glibc)
import Glibc
#endif
import NIOSSL

/// The client's side of an `https://` agent: full verification (chain and name) against the CA
/// certificate given (`--ca-cert`, `CORRAL_CACERT`) or the system's roots.
enum AgentClientTLS {
    static func context(caCert: String?) throws(AgentClientError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caCert {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCert))
            } catch {
                throw .invalidAddress("cannot read the CA certificate \"\(caCert)\" (--ca-cert or CORRAL_CACERT): \(error)")
            }
        }
        do { return try NIOSSLContext(configuration: configuration) } catch {
            throw .invalidAddress("cannot set up TLS: \(error)")
        }
    }

    /// An IPv4 or IPv6 address rather than a name.
    static func isAddressLiteral(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
