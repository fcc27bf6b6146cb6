/// The syntax rules of individual values. Each returns nil when the value is fine, or the reason
/// it is not, worded for an operator reading `config check`.
public enum ConfigRules {
    /// The levels `log_level` accepts (swift-log's, lower case).
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Redis 7's `maxmemory-policy` values.
    public static let redisEvictionPolicies = [
        "noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
        "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    ]

    /// The shape of an age X25519 recipient: `age1` and 58 Bech32 characters. The checksum is
    /// verified where the key is used (AegisSystem), this catches a pasted secret key or typo.
    public static func ageRecipientProblem(_ recipient: String) -> String? {
        if recipient.uppercased().hasPrefix("AGE-SECRET-KEY-") {
            return "this is a secret key (AGE-SECRET-KEY-…), not a recipient: put only the public age1… key here and keep the secret key off this host"
        }
        let charset = Set("qpzry9x8gf2tvdw0s3jn54khce6mua7l")
        guard recipient.hasPrefix("age1"), recipient.count == 62,
              recipient.dropFirst(4).allSatisfy({ charset.contains($0) })
        else { return "\"\(recipient)\" is not an age recipient (age1 followed by 58 lower-case Bech32 characters)" }
        return nil
    }

    /// A TCP port a service may listen on.
    /// A cron expression that does not parse (the parser's own words), or one that can never
    /// fire (`0 0 30 2 *`).
    public static func cronProblem(_ text: String) -> String? {
        do {
            let expression = try CronExpression(text)
            return expression.neverFires ? "\"\(text)\" never fires (no such date)" : nil
        } catch {
            return "\(error)"
        }
    }

    public static func portProblem(_ port: Int) -> String? {
        (1...65535).contains(port) ? nil : "port \(port) is out of range (1–65535)"
    }

    /// An absolute path; `allowEmpty` for keys where empty means "the default location".
    public static func absolutePathProblem(_ path: String, allowEmpty: Bool = false) -> String? {
        if path.isEmpty { return allowEmpty ? nil : "must not be empty (an absolute path)" }
        if !path.hasPrefix("/") { return "\"\(path)\" is not an absolute path" }
        if path.contains("\0") { return "contains a NUL byte" }
        return nil
    }

    /// A PostgreSQL database or role name aegisd creates: `[a-z_][a-z0-9_]*`, at most 63 bytes
    /// (NAMEDATALEN - 1), so it never needs quoting in SQL or in a connection string.
    public static func identifierProblem(_ name: String) -> String? {
        guard !name.isEmpty else { return "must not be empty" }
        guard name.utf8.count <= 63 else { return "\"\(name)\" is longer than 63 characters" }
        let valid = name.utf8.enumerated().allSatisfy { index, byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (index > 0 && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte))
        }
        return valid ? nil : "\"\(name)\" is not a valid name (lower-case letters, digits and _, not starting with a digit)"
    }

    /// A Unix account or group name: non-empty, no whitespace, `:` or `/`.
    public static func accountNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.contains(where: { $0.isWhitespace || $0 == ":" || $0 == "/" }) {
            return "\"\(name)\" is not a valid account name"
        }
        return nil
    }

    /// A program: an absolute path, or a bare name looked up on PATH.
    public static func programProblem(_ program: String) -> String? {
        if program.isEmpty { return "must not be empty (a program name or an absolute path)" }
        if program.contains("/") && !program.hasPrefix("/") {
            return "\"\(program)\" must be a bare program name or an absolute path"
        }
        return nil
    }

    /// A PostgreSQL memory setting with its unit: `128MB`, `1GB`, `8kB` (units are
    /// case-sensitive in PostgreSQL). Bare numbers are refused because their unit differs from one
    /// setting to the next (8 kB blocks for shared_buffers, kB for work_mem).
    /// A pgBackRest size (`archive-push-queue-max`): a positive number with a unit of KiB, MiB,
    /// GiB, TiB or PiB (powers of 1024; pgBackRest reads KB, MB, … the same and ignores case).
    public static func pgBackRestSizeProblem(_ size: String) -> String? {
        let units = ["kib", "mib", "gib", "tib", "pib", "kb", "mb", "gb", "tb", "pb"]
        let digits = size.prefix(while: \.isASCIIDigit)
        let unit = String(size.dropFirst(digits.count)).lowercased()
        guard !digits.isEmpty, let number = Int(digits) else {
            return "\"\(size)\" is not a size (like 512MiB or 4GiB)"
        }
        guard units.contains(unit) else {
            return "\"\(size)\" needs a unit of KiB, MiB, GiB, TiB or PiB, e.g. \(digits)GiB"
        }
        return number > 0 ? nil : "\"\(size)\" must be greater than zero"
    }

    public static func postgresMemoryProblem(_ size: String) -> String? {
        let units = ["B", "kB", "MB", "GB", "TB"]
        let digits = size.prefix(while: \.isASCIIDigit)
        let unit = String(size.dropFirst(digits.count))
        guard !digits.isEmpty, let number = Int(digits) else {
            return "\"\(size)\" is not a PostgreSQL memory size (like 128MB, 1GB or 8kB)"
        }
        if unit.isEmpty { return "\"\(size)\" needs a unit (kB, MB, GB or TB), e.g. \(size)MB" }
        if !units.contains(unit) {
            if units.contains(where: { $0.lowercased() == unit.lowercased() }) {
                return "\"\(size)\": PostgreSQL units are case-sensitive: use kB, MB, GB or TB"
            }
            return "\"\(size)\" has an unknown unit \"\(unit)\" (use kB, MB, GB or TB)"
        }
        return number > 0 ? nil : "\"\(size)\" must be greater than zero"
    }

    /// A Redis memory size: a number of bytes with an optional unit, `256mb`, `1gb`, `512k`;
    /// `0` means no limit (Redis's `memtoll` syntax, case-insensitive).
    public static func redisMemoryProblem(_ size: String) -> String? {
        let units = ["", "b", "k", "kb", "m", "mb", "g", "gb"]
        let digits = size.prefix(while: \.isASCIIDigit)
        let unit = size.dropFirst(digits.count).lowercased()
        guard !digits.isEmpty, Int(digits) != nil, units.contains(unit) else {
            return "\"\(size)\" is not a Redis memory size (like 256mb or 1gb; \"0\" for no limit)"
        }
        return nil
    }

    /// Redis's `save`: pairs of "seconds changes", both positive; the empty string disables RDB
    /// snapshots.
    public static func redisSaveProblem(_ save: String) -> String? {
        let words = save.split(whereSeparator: \.isWhitespace)
        if words.isEmpty {
            return save.isEmpty ? nil : "use \"\" (not blanks) to disable snapshots"
        }
        guard words.allSatisfy({ Int($0).map { $0 > 0 } ?? false }) else {
            return "\"\(save)\" must be positive integers in \"seconds changes\" pairs, like \"900 1 300 10\""
        }
        guard words.count.isMultiple(of: 2) else {
            return "\"\(save)\" has an odd number of values: it must be \"seconds changes\" pairs, like \"900 1 300 10\""
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
