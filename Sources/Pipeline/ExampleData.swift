import Foundation
import ImageCore
import NIfTI

/// The public data the built-in example runs on: the CT template from the data folder when a checkout has
/// one, else the verified copy in the cache, fetched from its public source on first use.
public enum ExampleData {
    public static func templateDirectory(paths: DataPaths, log: @escaping (String) -> Void) throws -> URL {
        if let dir = paths.templateDirectory { return dir }
        log("CT template not found locally; fetching it from its public source (CC BY-NC-SA 4.0, Muschelli 2020)")
        var fetcher = TemplateFetcher(destination: paths.fetchedTemplateDirectory)
        fetcher.programSearchPath = paths.programSearchPath
        fetcher.log = log
        try fetcher.fetch()
        return fetcher.destination
    }
}
