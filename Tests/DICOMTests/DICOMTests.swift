// Tests for the DICOM module.
import XCTest
