import AegisCore

/// `aegisctl replication rejoin`'s side of the configuration file: `[replication]` made a
/// standby's of the bundle's primary (`RejoinEdit`) through the read, line edit, load check and
/// mode-keeping write `aegisctl promote` uses (`PromotedConfigFile.rewrite`). aegisd makes the
/// edit itself when it can write the file; under the packaged unit aegisctl, run by root, does.
public enum RejoinedConfigFile {
    /// This host's slot name on the new primary: the configured one, or one from the host's name.
    public static func slotName(_ config: AegisConfig) -> String {
        config.replication.slotName.isEmpty
            ? AegisConfig.standbySlotName(hostName: HostName.current() ?? "host") : config.replication.slotName
    }

    /// The configuration `text` becomes once it follows the bundle's primary, checked to load.
    public static func edited(
        _ text: String, path: String, bundle: ReplicationBundle
    ) throws(SystemError) -> (text: String, config: AegisConfig) {
        let config: AegisConfig
        do { config = try ConfigLoader.load(text: text, file: path) } catch { throw SystemError("\(path) does not load: \(error)") }
        let edited = RejoinEdit.apply(to: text, bundle: bundle, slotName: slotName(config))
        do {
            return (edited, try ConfigLoader.load(text: edited, file: path))
        } catch {
            throw SystemError("\(path) edited to follow \(bundle.primaryHost) would not load: \(error)")
        }
    }

    /// Rewrites the file at `path` so that a restart keeps this host a standby of the bundle's primary.
    public static func update(path: String, bundle: ReplicationBundle) -> PromotedConfigFile.Outcome {
        PromotedConfigFile.rewrite(
            path: path, byHand: "Set [replication] role = \"standby\", primary_host and the primary's ports in \(path) by hand "
                + "before aegisd restarts, or it starts this host as a primary again"
        ) { text, _ throws(SystemError) in try edited(text, path: path, bundle: bundle).text }
    }
}
