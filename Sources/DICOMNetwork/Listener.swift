import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket (IPv4, all interfaces unless `host` is given).
public final class Listener: @unchecked Sendable {
    public let fd: Int32
    public let port: Int

    public init(port: Int, host: String = "0.0.0.0", backlog: Int32 = 64) throws {
        guard (0...65535).contains(port) else { throw NetworkError.socket("port \(port) is not in 0...65535") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NetworkError.socket("socket(): \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            Glibc.close(fd)
            throw NetworkError.socket("\(host) is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let e = String(cString: strerror(errno))
            Glibc.close(fd)
            throw NetworkError.socket("cannot listen on \(host):\(port): \(e)")
        }
        guard listen(fd, backlog) == 0 else {
            let e = String(cString: strerror(errno))
            Glibc.close(fd)
            throw NetworkError.socket("listen(): \(e)")
        }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: actual.sin_port))
    }

    /// Waits for the next connection; nil when the listener was closed.
    public func accept(timeout: Double) throws -> Connection? {
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        while true {
            let c = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &len) }
            }
            if c >= 0 {
                var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                var a = addr.sin_addr
                inet_ntop(AF_INET, &a, &text, socklen_t(text.count))
                let host = String(cString: text)
                return Connection(fd: c, peer: "\(host):\(UInt16(bigEndian: addr.sin_port))", timeout: timeout)
            }
            let e = errno
            if e == EINTR || e == ECONNABORTED { continue }
            if e == EBADF || e == EINVAL { return nil }
            if e == EMFILE || e == ENFILE {
                // Out of descriptors: wait for associations to finish rather than spin.
                usleep(100_000)
                continue
            }
            throw NetworkError.socket("accept(): \(String(cString: strerror(e)))")
        }
    }

    /// Stops accepting: a blocked `accept` returns nil.
    public func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }
}
