import CorralAPI

extension AgentClient {
    /// `GET /v1/client/fs/logs/{alloc}`: streams the body as it arrives (status checked first: a
    /// non-2xx answer throws `.api`). Ends when the agent ends the body; with `follow`, when the
    /// task is dead and its log read to the end. Stopping the iteration closes the connection.
    /// `lines`: start at the `lines`-th line from the end instead of at `offset` (`tail -n`).
    package func logs(alloc: String, task: String?, type: String = "stdout", origin: String = "start", offset: Int = 0,
                     follow: Bool = false, lines: Int? = nil) async throws(AgentClientError) -> AsyncThrowingStream<[UInt8], any Error> {
        var query = ["type": type, "origin": origin, "offset": String(offset)]
        if let lines { query["lines"] = String(lines) }
        if let task { query["task"] = task }
        if follow { query["follow"] = "true" }
        let request = request(method: "GET", path: Self.path("client/fs/logs", id: alloc), query: query, body: nil,
                              contentType: nil)
        let (head, body) = try await HTTPExchange.start(request, to: address)
        let status = Int(head.status.code)
        guard (200..<300).contains(status) else {
            var bytes: [UInt8] = []
            do {
                for try await chunk in body { bytes += chunk }
            } catch {
                throw HTTPExchange.describe(error, headReceived: true)
            }
            throw AgentResponse(status: status, headers: HTTPExchange.headers(head.headers), body: bytes).apiError
        }
        return body
    }
}
