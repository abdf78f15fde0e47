import ArgumentParser
import Pipeline
import Registration

// Choices given on the command line by name: ArgumentParser checks them, lists them in the help and
// names the valid ones in its error, so no command parses these strings itself.

/// `run --method atlas|unet|both`.
extension EndToEndRun.Method: @retroactive ExpressibleByArgument {}

/// `--preset fast|default|aggressive` (run, demo, dataset build, register, label).
extension RegistrationPreset: @retroactive ExpressibleByArgument {}

/// `register --linear-metric mattes|ncc`.
extension LinearMetric: @retroactive ExpressibleByArgument {}
