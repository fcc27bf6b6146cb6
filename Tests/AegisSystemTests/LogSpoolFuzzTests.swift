import AegisSystem
import AegisTestSupport
import Foundation
import Testing

/// The log spool reader against damaged spool directories: segment files with flipped, cut,
/// duplicated or foreign bytes, and cursor files with any content. Opening never crashes,
/// reading ends (no loop over damage), and every record it hands out is one that was written.
@Suite struct LogSpoolFuzzTests {
    static let cursorTexts = [
        "", "1 0\n", "1 -5\n", "-1 0\n", "0 0\n", "1 999999999\n", "9223372036854775807 0\n",
        "9223372036854775807 9223372036854775807\n", "-9223372036854775808 -9223372036854775808\n", "2 12\n", "x y\n", "1\n",
        "1 2 3\n", "\u{0}\u{0}",
    ]
    static let segmentNames = ["000000000001.seg", "000000000002.seg", "9223372036854775807.seg", "-3.seg", "0.seg", "x.seg"]

    @Test func testDamagedSpools_openAndReadOnlyWhatWasWritten() throws {
        var fuzz = FuzzInput()
        let root = NSTemporaryDirectory() + "aegis-spool-fuzz-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for iteration in 0..<FuzzInput.iterations(default: 300) {
            let directory = "\(root)/\(iteration)"
            // Written by the spool itself, in small segments so there are several files.
            var written: [LogSpool.Record] = []
            do {
                let spool = try LogSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 80)
                for n in 0..<fuzz.int(0...8) {
                    let record = LogSpool.Record(body: fuzz.bytes(fuzz.int(0...40)), entries: n + 1)
                    try spool.append(record)
                    written.append(record)
                }
            }
            try damage(directory, fuzz: &fuzz)
            let context = "iteration \(iteration), seed \(FuzzInput.seed)"
            let spool: LogSpool
            do {
                spool = try LogSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 80)
            } catch {
                #expect(!error.description.isEmpty, "\(context)")
                continue
            }
            var reads = 0
            while let record = try spool.peek() {
                #expect(written.contains(record), "a record nobody wrote came out of a damaged spool, \(context)")
                try spool.acknowledge()
                reads += 1
                // Every record can be read at most once per segment it was copied into.
                guard reads <= 4 * written.count + 4 else {
                    Issue.record("the reader does not end, \(context)")
                    break
                }
            }
            #expect(spool.pendingBytes >= 0, "\(context)")
            // And the spool keeps working after the damage.
            let after = LogSpool.Record(body: Array("after".utf8), entries: 1)
            try spool.append(after)
            let next = try spool.peek()
            #expect(next == after, "\(context): got \(String(describing: next)) from \(Self.listing(directory))")
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// The spool's files and sizes, and the cursor, for a failure message.
    static func listing(_ directory: String) -> String {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        return names.map { name in
            let path = "\(directory)/\(name)"
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
            let cursor = name == "cursor" ? " " + ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").debugDescription : ""
            return "\(name) (\(size) B)\(cursor)"
        }.joined(separator: ", ")
    }

    /// One to three kinds of damage: mutated segment bytes, a foreign segment file, a strange
    /// cursor.
    private func damage(_ directory: String, fuzz: inout FuzzInput) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".seg") }
        for _ in 0..<fuzz.int(1...3) {
            switch fuzz.int(0...2) {
            case 0 where !files.isEmpty:
                let path = "\(directory)/\(fuzz.pick(files))"
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
                try Data(fuzz.mutate(bytes, maxEdits: 3)).write(to: URL(fileURLWithPath: path))
            case 1:
                let name = fuzz.pick(Self.segmentNames)
                try Data(fuzz.bytes(fuzz.int(0...60))).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
            default:
                try Data(fuzz.pick(Self.cursorTexts).utf8).write(to: URL(fileURLWithPath: "\(directory)/cursor"))
            }
        }
    }
}
