import AegisCore
import Testing

@Suite("ControlPeerPolicy")
struct ControlPeerPolicyTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var uid: UInt32
        var gid: UInt32
        var groups: [UInt32]
        var daemonUID: UInt32
        var socketGroup: UInt32?
        var allowed: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "root", uid: 0, gid: 0, groups: [], daemonUID: 999, socketGroup: 500, allowed: true),
        Case(name: "root without a socket group", uid: 0, gid: 0, groups: [], daemonUID: 999, socketGroup: nil, allowed: true),
        Case(name: "the daemon's own user", uid: 999, gid: 999, groups: [], daemonUID: 999, socketGroup: 500, allowed: true),
        Case(name: "primary group", uid: 1000, gid: 500, groups: [], daemonUID: 0, socketGroup: 500, allowed: true),
        Case(name: "supplementary group", uid: 1000, gid: 1000, groups: [27, 500], daemonUID: 0, socketGroup: 500, allowed: true),
        Case(name: "stranger", uid: 1000, gid: 1000, groups: [27, 100], daemonUID: 0, socketGroup: 500, allowed: false),
        Case(name: "nobody", uid: 65534, gid: 65534, groups: [], daemonUID: 0, socketGroup: 500, allowed: false),
        Case(name: "no socket group: members of nothing", uid: 1000, gid: 500, groups: [500], daemonUID: 0, socketGroup: nil, allowed: false),
        Case(name: "group root is not uid root", uid: 1000, gid: 0, groups: [0], daemonUID: 999, socketGroup: 500, allowed: false),
    ]

    @Test("isAllowed", arguments: cases)
    func isAllowed(_ example: Case) {
        #expect(
            ControlPeerPolicy.isAllowed(
                uid: example.uid, gid: example.gid, groups: example.groups, daemonUID: example.daemonUID,
                socketGroup: example.socketGroup) == example.allowed)
    }
}
