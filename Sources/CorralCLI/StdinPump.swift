import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process's stdin as a stream of chunks, read on a thread of its own (a blocking `read`
/// must not hold one of the cooperative pool's few threads). The stream ends at end of file.
enum StdinPump {
    static func start(fd: Int32 = 0) -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 32768)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                if case .terminated = continuation.yield(Array(buffer[0..<count])) { return }
            }
            continuation.finish()
        }
        thread.name = "corral-stdin"
        thread.start()
        return stream
    }
}
