/// The shapes a listen address may take in `listen_addresses` and `bind`.
public enum ListenAddress {
    /// `*`, `0.0.0.0` or `::`: every interface (of that family).
    public static func isWildcard(_ text: String) -> Bool {
        text == "*" || (IPAddress(text)?.isUnspecified ?? false)
    }

    /// Nil when `text` is an IP literal or `*`, or why it is not.
    public static func problem(_ text: String) -> String? {
        if text == "*" || IPAddress(text) != nil { return nil }
        return "\"\(text)\" is not an IP address (like 127.0.0.1, ::1 or this host's 10.20.0.5) or \"*\" for every interface; "
            + "host names are not accepted, so what the server binds never depends on name resolution"
    }
}
