// Tests for the Atlas module.
import XCTest
