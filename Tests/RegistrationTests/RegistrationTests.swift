// Tests for the Registration module.
import XCTest
