import AegisCore
import Glibc

extension UTCTimestamp {
    /// The wall clock, read here in the adapter layer so the core never reads it.
    public static var now: UTCTimestamp { UTCTimestamp(secondsSinceEpoch: Int64(time(nil))) }
}
