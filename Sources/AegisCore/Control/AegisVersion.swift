/// The version of this build of aegisd and aegisctl; the one place it is written down.
public enum AegisVersion {
    /// Semantic version, reported by `aegisctl version` and in `status`.
    public static let current = "0.1.0"
}
