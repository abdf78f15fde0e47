// Tests for the ASPECTS module.
import XCTest
