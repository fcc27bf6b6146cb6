/// The one rule for a backup passphrase file, used by sealing, restore, restore drills and
/// `config check` alike, so that what seals a backup is exactly what opens it.
///
/// The passphrase is the whole file minus one final line ending (`\n` or `\r\n`). Anything else
/// is refused rather than guessed at: an empty passphrase, and a line break or carriage return
/// anywhere else (a second line, a blank line first). Such a file could mean several passphrases,
/// and age's own prompt (`age -d`) could not be given it, since a terminal ends the input at the
/// first line break.
public enum BackupPassphrase {
    /// Why a file's bytes are not a passphrase.
    public enum Problem: Error, Sendable, Equatable {
        /// Nothing left once the final line ending is removed.
        case empty
        /// A line break or carriage return before the final line ending.
        case multipleLines
        /// Not UTF-8 text.
        case notText

        /// What is wrong with `path` and what to do about it. Never quotes the file.
        public func explanation(path: String) -> String {
            switch self {
            case .empty:
                "the backup passphrase file \(path) is empty; write the passphrase into it, on one line (mode 0600)"
            case .multipleLines:
                "the backup passphrase file \(path) holds more than one line (or a blank line or a carriage return "
                    + "before the passphrase); rewrite it to hold the passphrase alone on one line, optionally ended "
                    + "by one newline"
            case .notText:
                "the backup passphrase file \(path) is not UTF-8 text; write the passphrase into it as text, on one line"
            }
        }
    }

    /// The passphrase a file holding `bytes` means.
    public static func parse(_ bytes: some Collection<UInt8>) throws(Problem) -> String {
        var content = Array(bytes)
        if content.last == lineFeed {
            content.removeLast()
            if content.last == carriageReturn { content.removeLast() }
        }
        guard !content.isEmpty else { throw .empty }
        guard !content.contains(where: { $0 == lineFeed || $0 == carriageReturn }) else { throw .multipleLines }
        guard let text = String(validating: content, as: UTF8.self) else { throw .notText }
        return text
    }

    /// The file `settings` names, or the default one in the secrets directory.
    public static func path(_ settings: BackupSettings, layout: StateLayout) -> String {
        settings.passphraseFile.isEmpty ? "\(layout.secretsDir)/backup.passphrase" : settings.passphraseFile
    }

    private static let lineFeed: UInt8 = 0x0A
    private static let carriageReturn: UInt8 = 0x0D
}
