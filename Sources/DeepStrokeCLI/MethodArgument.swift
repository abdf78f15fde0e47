import ArgumentParser
import Pipeline

/// `--method atlas|unet|both` parsed by the argument parser itself (its error lists the choices).
extension EndToEndRun.Method: ExpressibleByArgument {}
