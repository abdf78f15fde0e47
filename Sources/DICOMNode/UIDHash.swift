import ImageCore

/// Names for files, database keys and log lines that carry no patient identifier: the first 16 hex
/// digits (64 bits) of the SHA-256 of a UID. A study's folder, its jobs and its log lines all use
/// the same hash, so an operator can follow one study without ever seeing its UID.
public enum UIDHash {
    public static func of(_ uid: String) -> String {
        String(SHA256.hex(of: Array(uid.utf8)).prefix(16))
    }
}
