import ArgumentParser
import Atlas
import CommandSupport
import Foundation
import ImageCore
import Pipeline

struct FetchTemplateCommand: EnvironmentCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch-template",
        abstract: "Download the public CT brain template (checksummed) into the cache folder.",
        discussion: """
            Source: github.com/muschellij2/high_res_ct_template at commit \(CTTemplate.commit) \
            (licence CC BY-NC-SA 4.0; cite Muschelli J., IPMU 2020, doi:10.1007/978-3-030-50153-2_27). \
            Every file is verified against its SHA-256 before it is installed.
            """)

    @Option(help: "Destination folder (default: the cache folder's ct_template, e.g. ~/.cache/deepstroke/ct_template).")
    var dest: String?

    @Flag(help: "Download again even when verified copies are present.")
    var force = false

    @Option(help: ArgumentHelp("Alternative source: a base URL or local folder laid out like the repository.", visibility: .hidden))
    var sourceURL: String?

    func run(in environment: CommandEnvironment) throws {
        var fetcher = TemplateFetcher(destination: dest.map { URL(fileURLWithPath: $0) } ?? environment.paths.fetchedTemplateDirectory)
        fetcher.programSearchPath = environment.paths.programSearchPath
        if let s = sourceURL {
            fetcher.source = s.contains("://") ? (URL(string: s) ?? URL(fileURLWithPath: s)) : URL(fileURLWithPath: s, isDirectory: true)
        }
        fetcher.force = force
        fetcher.log = { print($0) }
        try fetcher.fetch()
        print("template ready in \(fetcher.destination.path)")
    }
}
