import CorralAPI
import CorralDriver
import CorralHostFS
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging

/// `/v1/client/...`: what acts on a task where it runs: restart, signal, stats, logs and exec.
struct ClientRoutes {
    let agent: Agent
    let logger: Logger

    func register(on group: RouterGroup<APIRouter.Context>) {
        let agent = self.agent, logger = self.logger
        let limit = agent.settings.maxRequestBytes
        for method in [HTTPRequest.Method.post, .put] {
            group.on("client/allocation/:alloc/restart", method: method) { request, context in
                var request = request
                let body = try await request.jsonBody(AllocTaskRequest.self, limit: limit, empty: AllocTaskRequest())
                return try JSONResponse.make(try await agent.restart(alloc: try context.pathParameter("alloc"), task: body.task))
            }
            group.on("client/allocation/:alloc/signal", method: method) { request, context in
                var request = request
                let body = try await request.jsonBody(AllocTaskRequest.self, limit: limit, empty: AllocTaskRequest())
                return try JSONResponse.make(try await agent.signal(alloc: try context.pathParameter("alloc"), task: body.task,
                                                                    signal: body.signal))
            }
        }
        group.get("client/allocation/:alloc/stats") { _, context in
            try JSONResponse.make(try await agent.stats(alloc: try context.pathParameter("alloc")))
        }
        group.get("client/fs/logs/:alloc") { request, context in
            let source = try await agent.logSource(alloc: try context.pathParameter("alloc"), task: request.query("task"),
                                                   type: request.query("type") ?? "stdout")
            let origin = request.query("origin") ?? "start"
            guard origin == "start" || origin == "end" else { throw AgentError.badRequest("origin=\(origin): start or end") }
            var streamer = LogStreamer(source: source, fromEnd: origin == "end", offset: try request.intQuery("offset", default: 0),
                                       follow: try request.boolQuery("follow"))
            if request.query("lines") != nil { streamer.lines = try request.intQuery("lines", default: 0) }
            // Everything the task could have planted (a link, a FIFO) fails here, as an answer of its own.
            let prepared: LogStreamer.Prepared
            do { prepared = try streamer.prepare() } catch let error as HostFSError { throw Self.logError(error, source) }
            var headers: HTTPFields = [.contentType: "application/octet-stream"]
            if prepared.scanLimited {
                // `-tail`: the lines were not all within the scanned end of the log; the answer starts there.
                headers[HTTPField.Name(Self.tailScanLimitedHeader)!] = String(streamer.scanLimit)
                logger.info("log tail scan limited", metadata: ["log": "\(source.path)", "scanned_bytes": "\(streamer.scanLimit)"])
            }
            let log = streamer, channel = context.channel
            return Response(status: .ok, headers: headers,
                            body: ResponseBody { writer in
                                // A client that goes away ends the reading (a follow of a quiet task included).
                                try await ClientDeparture.watching(channel) { gone in
                                    try await log.stream(prepared, clientGone: gone) { bytes in
                                        try await writer.write(ByteBuffer(bytes: bytes))
                                    }
                                }
                                try await writer.finish(nil)
                            })
        }
        // A refused WebSocket upgrade cannot carry an answer of ours (the HTTP codec turns it into an
        // empty 400), so once a client asks to upgrade it always gets the socket, and a problem (bad
        // command, unknown allocation or task, task not running) is the socket's one and last frame:
        // `exited` with the error and its HTTP status. A plain GET gets the same problems as JSON
        // errors. ExecBridge waits for the client's first frame before it sends anything.
        group.ws("client/allocation/:alloc/exec", shouldUpgrade: { request, context in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                let exec = try ExecRequest(request: request, context: context)
                try await agent.checkExecTarget(alloc: exec.alloc, task: exec.task)
                throw AgentError.badRequest("exec is a WebSocket: send Connection: Upgrade and Upgrade: websocket")
            }
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            let request = Result { () throws(AgentError) -> ExecRequest in
                try ExecRequest(request: context.request, context: context.requestContext)
            }
            await ExecBridge(agent: agent, logger: logger).run(request, inbound: inbound, outbound: outbound)
        })
    }
}

extension ClientRoutes {
    /// Set on a `-tail` answer (`lines=`) when the lines were not found within this many bytes from
    /// the log's end: the answer then starts that many bytes before the end.
    static let tailScanLimitedHeader = "X-Corral-Log-Scan-Limited"

    /// A log that cannot be read safely: missing, or something the task put in its place.
    static func logError(_ error: HostFSError, _ source: TaskLogSource) -> AgentError {
        if error.isMissing {
            return .notFound(what: "log", id: "\(source.logDirectory)/\(source.fileName)\" of allocation directory \"\(source.allocDir)")
        }
        return .badRequest("cannot read the log \(source.logDirectory)/\(source.fileName): \(error) "
                           + "(corral follows no link and reads only regular files in an allocation directory)")
    }
}

/// An exec request's query: the allocation, task, command and terminal flag.
struct ExecRequest: Sendable {
    var alloc: String
    var task: String?
    var command: [String]
    var tty: Bool

    init(request: Request, context: some RequestContext) throws(AgentError) {
        alloc = try context.pathParameter("alloc")
        task = request.query("task")
        guard let text = request.query("command") else {
            throw AgentError.badRequest("command: give the command as a JSON array, e.g. command=[\"/bin/sh\"]")
        }
        guard let command = try? JSONDecoder().decode([String].self, from: Data(text.utf8)), !command.isEmpty else {
            throw AgentError.badRequest("command=\(text): a JSON array of strings, e.g. [\"/bin/sh\",\"-c\",\"id\"]")
        }
        self.command = command
        tty = try request.boolQuery("tty")
    }
}
