// Tests for the Pipeline module.
import XCTest
