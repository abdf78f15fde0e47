/// A remote application entity: AE title, host and port, written `AET@HOST:PORT` on the command line.
public struct DICOMPeer: Equatable, Sendable, CustomStringConvertible {
    public var aeTitle: String
    public var host: String
    public var port: Int

    public init(aeTitle: String, host: String, port: Int) {
        self.aeTitle = aeTitle
        self.host = host
        self.port = port
    }

    /// Parses `AET@HOST:PORT`; the error says which part is wrong.
    public init(parsing text: String) throws {
        guard let at = text.firstIndex(of: "@") else {
            throw NetworkError.badAddress("'\(text)' is not AET@HOST:PORT (no '@')")
        }
        let ae = String(text[..<at])
        let rest = text[text.index(after: at)...]
        guard let colon = rest.lastIndex(of: ":") else {
            throw NetworkError.badAddress("'\(text)' is not AET@HOST:PORT (no ':PORT')")
        }
        let host = String(rest[..<colon])
        let portText = rest[rest.index(after: colon)...]
        try DICOMPeer.validate(aeTitle: ae)
        guard !host.isEmpty else { throw NetworkError.badAddress("'\(text)': the host is empty") }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw NetworkError.badAddress("'\(text)': port '\(portText)' is not a number in 1...65535")
        }
        self.init(aeTitle: ae, host: host, port: port)
    }

    /// An AE title is 1 to 16 characters of printable ASCII without backslash, not all spaces (PS3.5 6.2).
    public static func validate(aeTitle ae: String) throws {
        guard !ae.trimmingCharacters(in: .whitespaces).isEmpty, ae.utf8.count <= 16,
              ae.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F && $0 != "\\" }) else {
            throw NetworkError.badAddress("AE title '\(ae)' must be 1 to 16 printable ASCII characters (no backslash)")
        }
    }

    public var description: String { "\(aeTitle)@\(host):\(port)" }
}

import Foundation
