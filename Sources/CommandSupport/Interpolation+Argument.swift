import ArgumentParser
import ImageCore

/// `--interpolation nearest|linear|cubic|label`, checked and listed in the help by ArgumentParser.
extension Interpolation: @retroactive ExpressibleByArgument {}
