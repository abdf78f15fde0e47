import DICOM
import Foundation
import ImageCore
import XCTest

/// Locates ../shared/data/dicom; tests that need it skip when it is absent.
enum SampleData {
    static func dicom(_ rel: String = "") throws -> URL {
        guard let d = DataPaths(environment: ProcessInfo.processInfo.environment).dataDirectory?.appendingPathComponent("dicom"),
              FileManager.default.fileExists(atPath: d.path) else {
            throw XCTSkip("shared DICOM samples not present")
        }
        return rel.isEmpty ? d : d.appendingPathComponent(rel)
    }

    static func frame(_ rel: String) throws -> [Int32] {
        let f = try DICOMFile.read(try dicom(rel))
        return try PixelDataReader(file: f).frame(0)
    }
}
