import AegisCore

extension ServiceID {
    /// A SERVICE argument that the command's `validate()` has already checked (a typo is a usage
    /// error there, exit 2, with the list of valid names).
    init(validated name: String) {
        guard let id = ServiceID(rawValue: name) else { preconditionFailure("\(name) passed validation") }
        self = id
    }
}
