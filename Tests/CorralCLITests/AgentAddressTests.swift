import CorralClient
import Testing

@Suite("agent addresses")
struct AgentAddressTests {
    @Test(arguments: [
        ("unix:///run/corral/corral.sock", AgentAddress.unix(path: "/run/corral/corral.sock")),
        ("unix:relative.sock", .unix(path: "relative.sock")),
        ("unix://relative.sock", .unix(path: "relative.sock")),
        ("/abs/path.sock", .unix(path: "/abs/path.sock")),
        ("./here.sock", .unix(path: "./here.sock")),
        ("../up.sock", .unix(path: "../up.sock")),
        ("http://127.0.0.1:4646", .tcp(host: "127.0.0.1", port: 4646)),
        ("http://127.0.0.1:4646/", .tcp(host: "127.0.0.1", port: 4646)),
        ("tcp://localhost:1", .tcp(host: "localhost", port: 1)),
        ("127.0.0.1:4646", .tcp(host: "127.0.0.1", port: 4646)),
        ("  localhost:65535 ", .tcp(host: "localhost", port: 65535)),
        ("[::1]:4646", .tcp(host: "::1", port: 4646)),
        ("http://[::1]:80", .tcp(host: "::1", port: 80)),
        ("https://127.0.0.1:4646", .https(host: "127.0.0.1", port: 4646)),
        ("HTTPS://agent.example:443/", .https(host: "agent.example", port: 443)),
        ("https://[::1]:4646", .https(host: "::1", port: 4646)),
    ])
    func parsesEveryForm(text: String, expected: AgentAddress) throws {
        #expect(try AgentAddress.parse(text) == expected)
        // The description reads back as the same address.
        #expect(try AgentAddress.parse(expected.description) == expected)
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("unix:", "no socket path after unix:"),
        ("unix://", "no socket path after unix:"),
        ("localhost", "expected a unix socket path"),
        ("relative.sock", "expected a unix socket path"),
        ("127.0.0.1:", "is not a port"),
        ("127.0.0.1:http", "\"http\" is not a port"),
        ("127.0.0.1:0", "\"0\" is not a port (1-65535)"),
        ("127.0.0.1:70000", "\"70000\" is not a port"),
        (":4646", "no host before the port"),
        ("ftp://127.0.0.1:4646", "the scheme ftp:// is not supported"),
        ("https://127.0.0.1", "host:port"),
        ("http://127.0.0.1:4646/v1", "without a path"),
        ("[::1", "no ] after an IPv6 address"),
        ("[::1]", "no port"),
    ])
    func rejectsBadOnesSayingWhy(text: String, reason: String) {
        #expect {
            try AgentAddress.parse(text)
        } throws: { error in
            guard case .invalidAddress(let message) = error as? AgentClientError else { return false }
            return message.hasPrefix("invalid agent address \"\(text)\": ") && message.contains(reason)
        }
    }

    @Test func resolvesTheOptionThenTheEnvironmentThenTheDefault() throws {
        let environment = ["CORRAL_ADDR": "127.0.0.1:4646"]
        #expect(try AgentAddress.resolve(option: "/tmp/a.sock", environment: environment) == .unix(path: "/tmp/a.sock"))
        #expect(try AgentAddress.resolve(option: nil, environment: environment) == .tcp(host: "127.0.0.1", port: 4646))
        #expect(try AgentAddress.resolve(option: "", environment: environment) == .tcp(host: "127.0.0.1", port: 4646))
        #expect(try AgentAddress.resolve(option: nil, environment: [:]) == .unix(path: "/run/corral/corral.sock"))
        #expect(try AgentAddress.resolve(option: nil, environment: ["CORRAL_ADDR": ""]) == .unix(path: AgentAddress.defaultSocketPath))
        #expect(throws: AgentClientError.self) { try AgentAddress.resolve(option: nil, environment: ["CORRAL_ADDR": "nope"]) }
    }

    @Test func anHTTPSAddressTakesTheCACertificateFromTheOptionThenTheEnvironment() throws {
        let environment = ["CORRAL_ADDR": "https://127.0.0.1:4646", "CORRAL_CACERT": "/etc/corral/ca.pem"]
        #expect(try AgentAddress.resolve(option: nil, environment: environment)
            == .https(host: "127.0.0.1", port: 4646, caCert: "/etc/corral/ca.pem"))
        #expect(try AgentAddress.resolve(option: nil, caCert: "/mine.pem", environment: environment)
            == .https(host: "127.0.0.1", port: 4646, caCert: "/mine.pem"))
        #expect(try AgentAddress.resolve(option: nil, caCert: "", environment: ["CORRAL_ADDR": "https://h:1"])
            == .https(host: "h", port: 1, caCert: nil))
        // Plain addresses have no use for it.
        #expect(try AgentAddress.resolve(option: "127.0.0.1:4646", caCert: "/mine.pem", environment: [:])
            == .tcp(host: "127.0.0.1", port: 4646))
        #expect(AgentAddress.https(host: "::1", port: 4646, caCert: "/ca.pem").description == "https://[::1]:4646")
    }

    @Test func describesAddressesAsTheyAreWritten() {
        #expect(AgentAddress.unix(path: "/run/corral/corral.sock").description == "/run/corral/corral.sock")
        #expect(AgentAddress.unix(path: "rel.sock").description == "unix:rel.sock")
        #expect(AgentAddress.tcp(host: "127.0.0.1", port: 4646).description == "127.0.0.1:4646")
        #expect(AgentAddress.tcp(host: "::1", port: 4646).description == "[::1]:4646")
    }
}
