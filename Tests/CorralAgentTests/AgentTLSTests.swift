import CorralAgent
import CorralClient
import Foundation
import Logging
import Testing

/// The TCP listener's rules: a token of at least 16 characters, TLS for any address that is not a
/// loopback one, and an HTTPS listener the client reaches with `https://` and the CA's certificate
/// (a throwaway CA and certificate made here with `openssl`).
@Suite struct AgentTLSTests {
    static let token = "0123456789abcdef-tls"

    /// A CA, and a certificate it signed for `127.0.0.1` and `localhost`, in a temporary directory.
    struct Certificates {
        let directory: String
        var ca: String { directory + "/ca.pem" }
        var cert: String { directory + "/agent.pem" }
        var key: String { directory + "/agent.key" }
        /// Another CA, which signed nothing the agent has.
        var otherCA: String { directory + "/other-ca.pem" }

        init() throws {
            directory = NSTemporaryDirectory() + "corral-tls-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: directory + "/other", withIntermediateDirectories: true)
            try Data("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n".utf8)
                .write(to: URL(fileURLWithPath: directory + "/ext"))
            let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            try Self.openssl(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=corral test CA"],
                             in: directory)
            try Self.openssl(["req", "-x509"] + ec + ["-keyout", "other.key", "-out", "other-ca.pem", "-days", "1",
                                                      "-subj", "/CN=corral other CA"], in: directory)
            try Self.openssl(["req"] + ec + ["-keyout", "agent.key", "-out", "agent.csr", "-subj", "/CN=localhost"], in: directory)
            try Self.openssl(["x509", "-req", "-in", "agent.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                              "-out", "agent.pem", "-days", "1", "-extfile", "ext"], in: directory)
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }

        static func openssl(_ arguments: [String], in directory: String) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw OpenSSLFailed(arguments: arguments) }
        }

        struct OpenSSLFailed: Error { var arguments: [String] }
    }

    static let opensslAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")

    @Test(.enabled(if: opensslAvailable, "needs /usr/bin/openssl (scripts/setup installs it)"))
    func anHTTPSListenerAnswersAClientThatTrustsItsCA() async throws {
        let certificates = try Certificates()
        defer { certificates.remove() }
        let api = try await APIHarness.start {
            $0.tcpAddress = AgentSettings.TCPAddress(host: "127.0.0.1", port: 0)
            $0.tcpToken = Self.token
            $0.tls = AgentSettings.TLSFiles(certFile: certificates.cert, keyFile: certificates.key)
        }
        do {
            let announced = try #require(api.tcpAddress)
            #expect(announced.hasPrefix("https://127.0.0.1:"))
            guard case let .https(host, port, _) = try AgentAddress.parse(announced) else {
                Issue.record("\(announced) is not an https address")
                await api.stop()
                return
            }
            let trusted = AgentAddress.https(host: host, port: port, caCert: certificates.ca)
            #expect(try await AgentClient(address: trusted, token: Self.token).jobs().isEmpty)
            // Through the environment, as the CLI resolves it.
            let resolved = try AgentAddress.resolve(option: announced, environment: ["CORRAL_CACERT": certificates.ca])
            #expect(resolved == trusted)
            #expect(try await AgentClient(address: resolved, token: Self.token).jobs().isEmpty)

            // The token is still required behind TLS.
            do {
                _ = try await AgentClient(address: trusted, token: "wrong-token-0123456789").jobs()
                Issue.record("a wrong token was let through")
            } catch {
                guard case .api(let status, _) = error else { throw error }
                #expect(status == 401)
            }
            // A certificate of another CA, or the system's roots, or plain HTTP: no answer.
            for address in [AgentAddress.https(host: host, port: port, caCert: certificates.otherCA),
                            .https(host: host, port: port), .tcp(host: host, port: port)] {
                do {
                    _ = try await AgentClient(address: address, token: Self.token).jobs()
                    Issue.record("\(address) got an answer")
                } catch {
                    if case .api = error { Issue.record("\(address) reached the API: \(error)") }
                }
            }
            // A CA file that cannot be read is said so.
            do {
                _ = try await AgentClient(address: .https(host: host, port: port, caCert: certificates.directory + "/none.pem"),
                                          token: Self.token).jobs()
                Issue.record("a missing CA file was accepted")
            } catch {
                #expect("\(error)".contains("none.pem"))
            }
        }
        await api.stop()
    }

    static func server(_ configure: (inout AgentSettings) -> Void) -> (AgentServer, AgentFixture) {
        let fixture = AgentFixture(configure: configure)
        let server = AgentServer(agent: fixture.agent, environment: .init(version: "test", registry: .init(),
                                                                           logger: Logger(label: "test")))
        return (server, fixture)
    }

    @Test func aShortTokenIsRefused() throws {
        for token in ["a", "s3cret", "0123456789abcde"] {
            let (server, fixture) = Self.server {
                $0.tcpAddress = AgentSettings.TCPAddress(host: "127.0.0.1", port: 0)
                $0.tcpToken = token
            }
            defer { fixture.remove() }
            #expect(throws: AgentServerError.tokenTooShort(address: "127.0.0.1:0", length: token.count)) { _ = try server.services() }
            #expect(AgentServerError.tokenTooShort(address: "127.0.0.1:0", length: token.count).description.contains("at least 16"))
        }
    }

    @Test func aNonLoopbackAddressWithoutTLSIsRefused() throws {
        for host in ["0.0.0.0", "::", "10.1.2.3", "192.168.0.1", "example.com", "127.0.0.1.example.com"] {
            let (server, fixture) = Self.server {
                $0.tcpAddress = AgentSettings.TCPAddress(host: host, port: 4646)
                $0.tcpToken = Self.token
            }
            defer { fixture.remove() }
            let address = AgentSettings.TCPAddress(host: host, port: 4646).description
            #expect(throws: AgentServerError.tcpWithoutTLS(address: address)) { _ = try server.services() }
            #expect(AgentServerError.tcpWithoutTLS(address: address).description.contains("listen { tls { cert_file"))
        }
        for host in ["127.0.0.1", "127.1.2.3", "::1", "localhost"] {
            #expect(AgentSettings.TCPAddress(host: host, port: 1).isLoopback, "\(host)")
        }
    }

    @Test(.enabled(if: opensslAvailable, "needs /usr/bin/openssl (scripts/setup installs it)"))
    func unusableCertificateFilesAreSaidSo() throws {
        let certificates = try Certificates()
        defer { certificates.remove() }
        for (cert, key, named) in [(certificates.directory + "/none.pem", certificates.key, "cert_file"),
                                   (certificates.cert, certificates.directory + "/none.key", "key_file"),
                                   (certificates.cert, certificates.cert, "key_file")] {
            let (server, fixture) = Self.server {
                $0.tcpAddress = AgentSettings.TCPAddress(host: "0.0.0.0", port: 0)
                $0.tcpToken = Self.token
                $0.tls = AgentSettings.TLSFiles(certFile: cert, keyFile: key)
            }
            defer { fixture.remove() }
            #expect { _ = try server.services() } throws: { error in
                guard case .tls(let reason) = error as? AgentServerError else { return false }
                return reason.contains(named)
            }
        }
    }
}
