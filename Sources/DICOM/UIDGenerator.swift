import Foundation

/// Fresh DICOM UIDs under the UUID-derived root 2.25 (PS3.5 B.2): no registered org root needed.
public enum UIDGenerator {
    public static func make() -> String {
        let u = UUID().uuid
        let bytes = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
        // 128-bit big-endian integer to decimal by repeated division (32-bit limbs).
        var limbs = (0..<4).map { i in bytes[(4 * i)..<(4 * i + 4)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        var digits: [Character] = []
        while limbs.contains(where: { $0 != 0 }) {
            var rem: UInt64 = 0
            for i in 0..<4 {
                let cur = rem << 32 | limbs[i]
                limbs[i] = cur / 10
                rem = cur % 10
            }
            digits.append(Character(String(rem)))
        }
        return "2.25." + (digits.isEmpty ? "0" : String(digits.reversed()))
    }
}
