/// What a storage SCP answers to: its AE title, the limits, and the SOP classes and transfer
/// syntaxes it accepts. A value, passed in; tests make their own.
public struct SCPConfiguration: Sendable {
    public var aeTitle: String
    public var limits: NetworkLimits
    public var abstractSyntaxes: Set<String>
    /// Accepted transfer syntaxes; of those the requester proposes, its first accepted one is chosen.
    public var transferSyntaxes: Set<String>
    /// Reject associations addressed to another AE title (A-ASSOCIATE-RJ, called AE not recognised).
    public var checkCalledAE = true

    public init(aeTitle: String, limits: NetworkLimits = NetworkLimits(),
                abstractSyntaxes: [String] = [StorageClasses.verification] + StorageClasses.storage,
                transferSyntaxes: [String] = StorageClasses.transferSyntaxes) {
        self.aeTitle = aeTitle
        self.limits = limits
        self.abstractSyntaxes = Set(abstractSyntaxes)
        self.transferSyntaxes = Set(transferSyntaxes)
    }

    /// The answer to each proposed presentation context.
    public func answer(_ proposed: [ProposedContext]) -> [AcceptedContext] {
        proposed.map { p in
            guard abstractSyntaxes.contains(p.abstractSyntax) else {
                return AcceptedContext(id: p.id, result: .abstractSyntaxNotSupported, transferSyntax: p.transferSyntaxes.first ?? "")
            }
            let allowed = p.abstractSyntax == StorageClasses.verification ? Set(StorageClasses.verificationSyntaxes) : transferSyntaxes
            if let ts = p.transferSyntaxes.first(where: { allowed.contains($0) }) {
                return AcceptedContext(id: p.id, result: .acceptance, transferSyntax: ts)
            }
            return AcceptedContext(id: p.id, result: .transferSyntaxesNotSupported, transferSyntax: p.transferSyntaxes.first ?? "")
        }
    }
}
