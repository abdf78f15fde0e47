import ASPECTS
import ImageCore

/// Operations on label volumes in the 20-label convention (0 background, 1-10 right C..M6, 11-20 left).
public enum ASPECTSLabelMap {
    /// The 11-class form: 0 background, 1-10 the region whatever its side.
    public static func elevenClass(_ labels: Volume<UInt8>) -> Volume<UInt8> {
        labels.map { $0 == 0 || $0 > 20 ? 0 : ($0 - 1) % 10 + 1 }
    }

    /// A sagittal plane dividing the hemispheres: LPS points p with `(p - point) · normal > 0` are left.
    public struct MidlinePlane: Sendable, Equatable {
        public var point: SIMD3<Double>
        public var normal: SIMD3<Double>
        public init(point: SIMD3<Double>, normal: SIMD3<Double>) { self.point = point; self.normal = normal }
        /// The plane x = midlineX (LPS x grows towards the patient's left).
        public init(midlineX: Double) { self.init(point: SIMD3(midlineX, 0, 0), normal: SIMD3(1, 0, 0)) }
        public func isLeft(_ p: SIMD3<Double>) -> Bool { ((p - point) * normal).sum() > 0 }
    }

    /// Back to 20 labels: the side of each voxel from its LPS x relative to a sagittal midline plane
    /// (`x = midlineX`; LPS x grows towards the patient's left).
    public static func twentyLabel(_ classes: Volume<UInt8>, midlineX: Double) -> Volume<UInt8> {
        twentyLabel(classes, plane: MidlinePlane(midlineX: midlineX))
    }

    /// Back to 20 labels, each voxel's side from the plane (which may be turned with the head).
    public static func twentyLabel(_ classes: Volume<UInt8>, plane: MidlinePlane) -> Volume<UInt8> {
        var out = Volume<UInt8>(geometry: classes.geometry)
        let a = classes.geometry.affineLPS
        let s = classes.size
        for k in 0..<s.z { for j in 0..<s.y { for i in 0..<s.x {
            let c = classes[i, j, k]
            guard c >= 1 && c <= 10 else { continue }
            out[i, j, k] = plane.isLeft(a.apply(SIMD3(Double(i), Double(j), Double(k)))) ? c + 10 : c
        } } }
        return out
    }

    public static func firstInvalidValue<V: VoxelType>(_ labels: Volume<V>) -> Double? {
        for v in labels.data {
            let d = v.doubleValue
            if !(d >= 0 && d <= 20 && d == d.rounded()) { return d }
        }
        return nil
    }

    /// Voxel count of each label 1...20 (index 0 unused).
    public static func counts(_ labels: Volume<UInt8>) -> [Int] {
        var c = [Int](repeating: 0, count: 21)
        for v in labels.data where v >= 1 && v <= 20 { c[Int(v)] += 1 }
        return c
    }
}
