import ImageCore

/// Names for files, database keys and log lines that carry no patient identifier: the first 16 hex
/// digits (64 bits) of the SHA-256 of a UID. A study's folder, its jobs and its log lines all use
/// the same hash, so an operator can follow one study without ever seeing its UID.
public enum UIDHash {
    public static func of(_ uid: String) -> String {
        var h = SHA256()
        h.update(Array(uid.utf8))
        // Hex by table: three hashes per received instance, so String(format:) per byte shows in profiles.
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for b in h.finalize().prefix(8) {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
