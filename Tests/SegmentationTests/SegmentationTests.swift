// Tests for the Segmentation module.
import XCTest
