/// One key of a configuration section: its name in the file, where its value lives in the model,
/// and the one-line comment `config init` writes above it.
///
/// The decoder, the renderer and the unknown-key check all read the same list of fields
/// (`ConfigSchema`), so a key cannot be decodable without being rendered, or the reverse.
struct ConfigField<Section> {
    /// Where the value lives, and therefore which TOML type the key takes.
    enum Binding {
        case string(WritableKeyPath<Section, String>)
        case integer(WritableKeyPath<Section, Int>)
        case bool(WritableKeyPath<Section, Bool>)
        case strings(WritableKeyPath<Section, [String]>)
    }

    /// The key as written in the file (snake_case).
    let key: String
    let binding: Binding
    /// One line, no trailing period needed; rendered as `# comment` above the key.
    let comment: String

    static func string(_ key: String, _ path: WritableKeyPath<Section, String>, _ comment: String) -> Self {
        Self(key: key, binding: .string(path), comment: comment)
    }

    static func integer(_ key: String, _ path: WritableKeyPath<Section, Int>, _ comment: String) -> Self {
        Self(key: key, binding: .integer(path), comment: comment)
    }

    static func bool(_ key: String, _ path: WritableKeyPath<Section, Bool>, _ comment: String) -> Self {
        Self(key: key, binding: .bool(path), comment: comment)
    }

    static func strings(_ key: String, _ path: WritableKeyPath<Section, [String]>, _ comment: String) -> Self {
        Self(key: key, binding: .strings(path), comment: comment)
    }

    /// The field's current value in `section`, as a `ConfigValue`.
    func value(in section: Section) -> ConfigValue {
        switch binding {
        case .string(let path): .string(section[keyPath: path])
        case .integer(let path): .integer(section[keyPath: path])
        case .bool(let path): .bool(section[keyPath: path])
        case .strings(let path): .array(section[keyPath: path].map { .string($0) })
        }
    }

    /// Stores `value` into `section` when it has the field's type; otherwise returns why not.
    func assign(_ value: ConfigValue, to section: inout Section) -> String? {
        switch (binding, value) {
        case (.string(let path), .string(let text)):
            section[keyPath: path] = text
            return nil
        case (.integer(let path), .integer(let number)):
            section[keyPath: path] = number
            return nil
        case (.bool(let path), .bool(let flag)):
            section[keyPath: path] = flag
            return nil
        case (.strings(let path), .array(let items)):
            var texts: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item else {
                    return "expected an array of strings, but item \(index) is \(item.kindDescription)"
                }
                texts.append(text)
            }
            section[keyPath: path] = texts
            return nil
        case (.strings(let path), .string(let text)):
            // A single value where a list is expected: take it, it cannot mean anything else.
            section[keyPath: path] = [text]
            return nil
        case (.integer, .string(let text)) where Int(text) != nil:
            // The most common slip in hand-written TOML: a quoted number.
            return "expected an integer, found a string (write \(text) without quotes)"
        case (.bool, .string(let text)) where text == "true" || text == "false":
            return "expected a boolean, found a string (write \(text) without quotes)"
        default:
            return "expected \(expectedDescription), found \(value.kindDescription)"
        }
    }

    private var expectedDescription: String {
        switch binding {
        case .string: "a string"
        case .integer: "an integer"
        case .bool: "a boolean"
        case .strings: "an array of strings"
        }
    }
}
