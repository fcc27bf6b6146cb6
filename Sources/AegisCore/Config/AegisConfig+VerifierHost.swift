extension AegisConfig {
    /// What `config check` says about a host drilling the store's backups on a schedule while
    /// it also makes backups of its own: they would be uploaded into the same store, among the
    /// production host's, and "latest" there could become this host's. A warning, not an error:
    /// a production host that holds the key may drill its own off-host copies on purpose.
    public var verifierHostWarnings: [ConfigIssue] {
        guard offsite.enabled, !offsite.verifySchedule.isEmpty, backup.enabled else { return [] }
        return [ConfigIssue(path: "offsite.verify_schedule", reason: "is set while backup.enabled is true: this host's own "
            + "backups are uploaded to \(offsite.remote) too, beside the ones it drills. On a verifier host set "
            + "[backup] enabled = false")]
    }
}
