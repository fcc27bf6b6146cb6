import AegisCore
import Glibc

/// `aegisctl promote`'s side of keeping a promotion across restarts. aegisd rewrites its
/// configuration file itself when it can; under the packaged unit it cannot (`/etc` is
/// read-only to it: `ProtectSystem=strict`, and the file is root's), so aegisctl, run by root,
/// makes the same line edit (`PromotionEdit`). When aegisd did it already the edit changes
/// nothing and nothing is written.
public enum PromotedConfigFile {
    public enum Outcome: Sendable, Equatable {
        /// The file already says so (aegisd rewrote it).
        case unchanged
        case rewritten
        /// Neither aegisd nor this process could: what to do by hand.
        case failed(String)
    }

    public static func update(path: String, promotedNow: [ServiceID]) -> Outcome {
        rewrite(path: path, byHand: "Set [replication] role = \"primary\" (or promoted = [...]) in \(path) by hand "
            + "before aegisd restarts, or it starts them as standbys again") { text, config throws(SystemError) in
            do throws(PromotionEdit.Refusal) { return try PromotionEdit.apply(to: text, config: config, promotedNow: promotedNow) } catch {
                throw SystemError("\(path): \(error.message)")
            }
        }
    }

    /// The file read, loaded, edited by `edit`, loaded again, and written over itself with its
    /// mode and owner kept; nothing written when the edit changes nothing. `byHand` says what
    /// the operator must do when it cannot be.
    static func rewrite(
        path: String, byHand: String, edit: (String, AegisConfig) throws(SystemError) -> String
    ) -> Outcome {
        do throws(SystemError) {
            guard let text = try FileSystem.read(path) else { throw SystemError("\(path) does not exist") }
            let config: AegisConfig
            do { config = try ConfigLoader.load(text: text, file: path) } catch { throw SystemError("\(path) does not load: \(error)") }
            let edited = try edit(text, config)
            guard edited != text else { return .unchanged }
            do { _ = try ConfigLoader.load(text: edited, file: path) } catch { throw SystemError("the edited \(path) would not load: \(error)") }
            var info = stat()
            guard stat(path, &info) == 0 else { throw .errno("stat \(path)") }
            // Same mode and owner as before: the file is root's, readable by aegisd's group.
            try FileSystem.writeAtomically(path, contents: edited, mode: info.st_mode & 0o777)
            if geteuid() == 0, chown(path, info.st_uid, info.st_gid) != 0 { throw .errno("chown \(path)") }
            return .rewritten
        } catch {
            return .failed("\(error.message). \(byHand)")
        }
    }
}
