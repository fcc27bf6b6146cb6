import AegisCore
import Testing

/// The one rule for a passphrase file: the whole file minus one final `\n` or `\r\n`.
@Suite struct BackupPassphraseTests {
    @Test(arguments: [
        ("secret\n", "secret"),
        ("secret", "secret"),
        ("secret\r\n", "secret"),
        // Spaces are part of a passphrase: a terminal would send them too.
        ("  two words \n", "  two words "),
        ("tab\tinside\n", "tab\tinside"),
        ("pässwört 🔑\n", "pässwört 🔑"),
    ])
    func testAcceptedShapes(file: String, passphrase: String) throws {
        #expect(try BackupPassphrase.parse(Array(file.utf8)) == passphrase)
    }

    @Test(arguments: [
        ("", BackupPassphrase.Problem.empty),
        ("\n", .empty),
        ("\r\n", .empty),
        // A blank line first: the old sealing trimmed it, the old restore read the empty first line.
        ("\nsecret\n", .multipleLines),
        ("a\nb\n", .multipleLines),
        ("a\nb", .multipleLines),
        // Only one final line ending is removed.
        ("secret\n\n", .multipleLines),
        ("secret\r\n\r\n", .multipleLines),
        ("secret\r", .multipleLines),
        ("se\rcret\n", .multipleLines),
    ])
    func testRefusedShapes(file: String, problem: BackupPassphrase.Problem) {
        #expect(throws: problem) { try BackupPassphrase.parse(Array(file.utf8)) }
    }

    @Test func testBytesThatAreNotUTF8_areRefused() {
        #expect(throws: BackupPassphrase.Problem.notText) { try BackupPassphrase.parse([0x73, 0xFF, 0x0A]) }
    }

    @Test(arguments: [BackupPassphrase.Problem.empty, .multipleLines, .notText])
    func testExplanations_nameTheFile_andSayWhatToDo(problem: BackupPassphrase.Problem) {
        let text = problem.explanation(path: "/etc/aegis/backup.passphrase")
        #expect(text.contains("/etc/aegis/backup.passphrase"))
        #expect(text.contains("one line"))
    }

    @Test func testThePathDefaultsToTheSecretsDirectory() {
        var settings = BackupSettings()
        let layout = StateLayout(root: "/var/lib/aegis")
        #expect(BackupPassphrase.path(settings, layout: layout) == "/var/lib/aegis/secrets/backup.passphrase")
        settings.passphraseFile = "/etc/aegis/pass"
        #expect(BackupPassphrase.path(settings, layout: layout) == "/etc/aegis/pass")
    }
}
