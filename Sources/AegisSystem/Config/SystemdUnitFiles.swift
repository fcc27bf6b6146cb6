import AegisCore
import Foundation

/// aegisd's unit file and its drop-ins, as systemd would combine them, read as text for
/// `config check`. Nothing is asked of systemd itself: the check also runs where no systemd
/// runs (a build machine, a container being prepared).
public struct SystemdUnitFiles: Sendable {
    public var unitName: String
    /// Directories systemd loads units from, highest priority first.
    public var directories: [String]

    public init(
        unitName: String = "aegisd.service",
        directories: [String] = ["/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"]
    ) {
        self.unitName = unitName
        self.directories = directories
    }

    /// The `IPAddressAllow=` list the unit and its drop-ins add up to. Without a unit file
    /// (not installed yet) the shipped unit's list stands in for it.
    public func ipAddressAllowList() -> [String] {
        let (unit, dropIns) = contents()
        guard let unit else { return UnitDropIn.allowList(unitFiles: dropIns) }
        return UnitDropIn.allowList(unitFiles: [unit] + dropIns, startingWith: [])
    }

    /// The unit file (the first found, as systemd takes it), then every `*.conf` drop-in in
    /// `<dir>/<unit>.d/` ordered by file name, a name in a higher-priority directory hiding
    /// the same name in a lower one.
    public func contents() -> (unit: String?, dropIns: [String]) {
        let manager = FileManager.default
        var unitText: String?
        if let unit = directories.lazy.map({ "\($0)/\(unitName)" }).first(where: { manager.fileExists(atPath: $0) }) {
            unitText = try? String(contentsOfFile: unit, encoding: .utf8)
        }
        var texts: [String] = []
        var dropIns: [String: String] = [:]
        for directory in directories.reversed() {
            let dropInDirectory = "\(directory)/\(unitName).d"
            for name in (try? manager.contentsOfDirectory(atPath: dropInDirectory)) ?? [] where name.hasSuffix(".conf") {
                dropIns[name] = "\(dropInDirectory)/\(name)"
            }
        }
        for name in dropIns.keys.sorted() {
            if let text = try? String(contentsOfFile: dropIns[name]!, encoding: .utf8) { texts.append(text) }
        }
        return (unitText, texts)
    }
}
