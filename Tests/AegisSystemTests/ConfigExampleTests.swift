import AegisSystem
import Foundation
import Testing

@testable import AegisCore

/// The checked-in example and reference must not drift from the code.
@Suite struct ConfigExampleTests {
    @Test func testTheExampleFile_isTheRenderedDefaultConfiguration() throws {
        let path = "\(ConfigTestDirectory.packageRoot)/config/aegisd.example.toml"
        #expect(try ConfigLoader.load(path: path) == .defaults())
        // Regenerate with: AEGIS_WRITE_EXAMPLE=1 swift test --filter ConfigExampleTests
        if ProcessInfo.processInfo.environment["AEGIS_WRITE_EXAMPLE"] == "1" {
            try ConfigRenderer.render(.defaults()).write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == ConfigRenderer.render(.defaults()))
    }

    @Test func testTheReference_describesEveryKey() throws {
        let docs = try String(contentsOfFile: "\(ConfigTestDirectory.packageRoot)/docs/configuration.md", encoding: .utf8)
        for path in ConfigSchema.allKeyPaths + ConfigSchema.logSourceKeyPaths + ConfigSchema.alertNotifyKeyPaths {
            let section = path.split(separator: ".").dropLast().joined(separator: ".")
            let key = path.split(separator: ".").last!
            #expect(docs.contains("`\(key)`"), "docs/configuration.md does not describe \(path)")
            #expect(docs.contains("[\(section)]") || section.hasPrefix("postgres."), "no heading for [\(section)]")
        }
    }
}
