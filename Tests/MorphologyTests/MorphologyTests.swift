// Tests for the Morphology module.
import XCTest
