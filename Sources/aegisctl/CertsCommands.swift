import AegisCore
import ArgumentParser
import Foundation

extension Aegisctl {
    /// `aegisctl certs status|rotate`.
    struct Certs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The certificates of aegisd's built-in CA.", subcommands: [Status.self, Rotate.self],
            defaultSubcommand: Status.self)

        /// `aegisctl certs status [--json]`.
        struct Status: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Subject, names, serial, expiry and days left of every certificate.")
            @OptionGroup var global: GlobalOptions
            @Flag(name: .long, help: "Print the list as JSON.") var json = false

            func run() throws {
                let reply = try DaemonExchange.send(ControlRequest.certsStatus, options: global, timeout: .seconds(30))
                try CertificateTable.print(reply.certificates ?? [], json: json)
            }
        }

        /// `aegisctl certs rotate [--json]`.
        struct Rotate: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Re-issue every server and client certificate now (same CA), or re-check the operator's (tls.operator_dir); servers reload them without a restart.")
            @OptionGroup var global: GlobalOptions
            @Flag(name: .long, help: "Print the new list as JSON.") var json = false

            func run() throws {
                let reply = try DaemonExchange.send(ControlRequest.certsRotate, options: global, timeout: .seconds(120))
                if !json { print(reply.message ?? "rotated") }
                try CertificateTable.print(reply.certificates ?? [], json: json)
            }
        }
    }
}

/// The human and JSON forms of the certificate list.
enum CertificateTable {
    static func print(_ entries: [CertificateStatus], json: Bool) throws {
        if json {
            Swift.print(try prettyJSON(entries))
            return
        }
        let rows = entries.map { entry in
            [
                entry.role.description,
                entry.info?.subject ?? "-",
                entry.info?.subjectAltNames.joined(separator: ",") ?? "-",
                entry.info.map { String($0.serial.prefix(16)) } ?? "-",
                entry.info?.notAfter.description ?? "-",
                entry.daysLeft.map(String.init) ?? "-",
                entry.problem ?? "",
            ]
        }
        Swift.print(StatusTable.table([["ROLE", "SUBJECT", "NAMES", "SERIAL", "NOT AFTER", "DAYS", "PROBLEM"]] + rows), terminator: "")
    }
}
