import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection with a receive/send timeout on the socket itself (SO_RCVTIMEO and
/// SO_SNDTIMEO), so a peer that stops talking ends the association after `timeout` seconds instead of
/// holding its thread. Reads are buffered: the six-byte PDU headers cost no system call of their own.
public final class Connection: @unchecked Sendable {
    public let fd: Int32
    /// "host:port" of the peer, for log lines.
    public let peer: String
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var closed = false

    init(fd: Int32, peer: String, timeout: Double) {
        self.fd = fd
        self.peer = peer
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        setTimeout(timeout)
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        close()
        buffer.deallocate()
    }

    /// Changes the receive and send timeout (seconds; 0 waits for ever, which this code never asks for).
    public func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    public func close() {
        if !closed {
            closed = true
            Glibc.close(fd)
        }
    }

    /// Fills `dst` completely, from the buffer first, then straight from the socket.
    func read(into dst: UnsafeMutableRawBufferPointer) throws {
        var filled = 0
        let buffered = min(end - start, dst.count)
        if buffered > 0 {
            dst.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: buffered)
            start += buffered
            filled = buffered
        }
        while filled < dst.count {
            let want = dst.count - filled
            if want < buffer.count {
                // Small remainder: refill the buffer so the next header comes for free.
                let n = try receive(into: buffer.baseAddress!, count: buffer.count)
                start = 0
                end = n
                let take = min(n, want)
                (dst.baseAddress! + filled).copyMemory(from: buffer.baseAddress!, byteCount: take)
                start = take
                filled += take
            } else {
                filled += try receive(into: dst.baseAddress! + filled, count: want)
            }
        }
    }

    /// Reads and drops the next `count` bytes (a data set over the instance limit or refused).
    func discard(_ count: Int) throws {
        var left = count
        while left > 0 {
            if start == end {
                // Never ask for more than is left once the buffer is empty, so no next PDU is lost.
                let n = try receive(into: buffer.baseAddress!, count: min(left, buffer.count))
                if n < left { left -= n; continue }
                return
            }
            let take = min(left, end - start)
            start += take
            left -= take
        }
    }

    func readBytes(_ count: Int) throws -> [UInt8] {
        // Not zeroed first: every byte is overwritten, or the read throws and the array is dropped.
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    private func receive(into p: UnsafeMutableRawPointer, count: Int) throws -> Int {
        while true {
            let n = recv(fd, p, count, 0)
            if n > 0 { return n }
            if n == 0 { throw NetworkError.connectionClosed("\(peer) closed the connection") }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { throw NetworkError.timeout("no data from \(peer)") }
            throw NetworkError.connectionClosed("\(peer): \(String(cString: strerror(e)))")
        }
    }

    /// Sends all of `bytes` (MSG_NOSIGNAL: a vanished peer is an error here, not a SIGPIPE).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var sent = 0
        while sent < bytes.count {
            let n = send(fd, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            if n > 0 { sent += n; continue }
            let e = errno
            if n < 0 && e == EINTR { continue }
            if n < 0 && (e == EAGAIN || e == EWOULDBLOCK) { throw NetworkError.timeout("\(peer) does not accept data") }
            throw NetworkError.connectionClosed("\(peer): \(String(cString: strerror(e)))")
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write(_ bytes: ArraySlice<UInt8>) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Opens a TCP connection to host:port; `timeout` bounds the connect and every later read and write.
    public static func connect(host: String, port: Int, timeout: Double) throws -> Connection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw NetworkError.socket("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd < 0 { lastError = String(cString: strerror(errno)); continue }
            let c = Connection(fd: fd, peer: "\(host):\(port)", timeout: timeout)
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return c }
            lastError = String(cString: strerror(errno))
        }
        throw NetworkError.socket("cannot connect to \(host):\(port): \(lastError)")
    }
}
