// Tests for the Rendering module.
import XCTest
