// Tests for the NIfTI module.
import XCTest
