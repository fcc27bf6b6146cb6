import AegisCore

/// One fault a chaos run injects.
struct ChaosFault: Sendable {
    enum Kind: String, CaseIterable, Sendable {
        case killChild = "kill -9 of a child"
        case stopChild = "SIGSTOP of a child (held until replaced)"
        case killDaemon = "kill -9 of aegisd (restarted)"
        case reload = "reload with a changed setting"
        case rotateCertificates = "certificate rotation"
        case backup = "backup"
    }

    let kind: Kind
    /// The service a child fault, a reload or a backup is aimed at.
    let target: ServiceID
}

/// The seeded sequence of faults and the gaps between them. Child faults dominate (they are
/// cheap and run on four services at once); aegisd kills are rarer, as each restarts everything.
struct ChaosPlan {
    static let services: [ServiceID] = [.postgresBackend, .postgresAI, .postgresExecutor, .redis]
    static let weights: [(ChaosFault.Kind, Int)] = [
        (.killChild, 52), (.stopChild, 22), (.killDaemon, 2), (.reload, 4), (.rotateCertificates, 10), (.backup, 10),
    ]

    private var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    /// The next fault, and how long to wait after injecting it before the next one.
    mutating func next() -> (fault: ChaosFault, gap: Duration) {
        let total = Self.weights.reduce(0) { $0 + $1.1 }
        var pick = Int.random(in: 0..<total, using: &generator)
        var kind = ChaosFault.Kind.killChild
        for (candidate, weight) in Self.weights {
            if pick < weight { kind = candidate; break }
            pick -= weight
        }
        let target = Self.services.randomElement(using: &generator)!
        let gap = Duration.milliseconds(Int.random(in: 0...200, using: &generator))
        return (ChaosFault(kind: kind, target: target), gap)
    }
}
