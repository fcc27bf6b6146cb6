import Testing
@testable import AegisCore

@Suite struct ConfigRendererTests {
    @Test func testEveryKey_isRendered_withAOneLineCommentAboveIt() {
        let lines = ConfigRenderer.render(.defaults()).split(separator: "\n", omittingEmptySubsequences: false)
        var section = ""
        var rendered: [String] = []
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("[") {
                section = String(line.dropFirst().dropLast())
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = line[..<equals].trimmingCharacters(in: " ")
                rendered.append("\(section).\(key)")
                #expect(lines[index - 1].hasPrefix("# "), "\(section).\(key) has no comment")
            }
        }
        #expect(rendered == ConfigSchema.allKeyPaths)
    }

    @Test(arguments: [
        ("plain", "\"plain\""), ("", "\"\""), ("a\"b", "\"a\\\"b\""), ("back\\slash", "\"back\\\\slash\""),
        ("line\nbreak", "\"line\\nbreak\""), ("bell\u{07}", "\"bell\\u0007\""), ("é", "\"é\""),
    ])
    func testStrings_areEscapedAsTOMLBasicStrings(text: String, literal: String) {
        #expect(ConfigRenderer.quoted(text) == literal)
    }

    @Test func testValues_areRenderedFromTheConfig() throws {
        let config = try AegisConfig.forInit(root: "/srv/a", portBase: 30000, user: "svc")
        let text = ConfigRenderer.render(config)
        #expect(text.contains("[postgres.executor]\n"))
        #expect(text.contains("port = 30002\n"))
        #expect(text.contains("state_dir = \"/srv/a\"\n"))
        #expect(text.contains("appendonly = true\n"))
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
