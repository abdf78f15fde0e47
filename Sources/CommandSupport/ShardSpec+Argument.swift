import ArgumentParser
import Pipeline

/// `--shard I/N`, parsed by ArgumentParser: a malformed or out-of-range shard is a usage error naming
/// the option. The rule itself (0 <= I < N) stays with `ShardSpec`.
extension ShardSpec: @retroactive ExpressibleByArgument {
    public init?(argument: String) {
        guard let shard = try? ShardSpec(parsing: argument) else { return nil }
        self = shard
    }
}
