/// Which voxels count as neighbours. 6: shared face; 18: shared face or edge; 26: shared face, edge
/// or corner. On a single slice these become 4 (6) and 8 (18, 26) neighbours.
///
/// Foreground and background connectivity should be complementary (26 with 6, or 6 with 26) so
/// that a closed surface always separates inside from outside.
public enum Connectivity: Int, Sendable, CaseIterable {
    case six = 6
    case eighteen = 18
    case twentySix = 26
}
