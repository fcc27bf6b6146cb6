import AegisCore
import AegisSystem

extension KeptConnection where Connection == RedisClient {
    /// Runs `body` on a Redis connection kept between uses, authenticated as aegisd's admin
    /// user when it is made (the password is read then, not at every use), with `timeout` as
    /// the deadline of each use.
    func use<Result: Sendable>(
        socket: String, timeout: Duration, password: () throws -> String, _ body: (RedisClient) throws -> Result
    ) throws -> Result {
        try use(
            connect: {
                let password = try password()
                let client = try RedisClient(unixPath: socket, timeout: timeout)
                try client.authenticate(user: RedisACL.adminUser, password: password)
                return client
            },
            isDeadline: { ($0 as? SystemError)?.isDeadline == true }
        ) { client in
            client.resetDeadline(after: timeout)
            return try body(client)
        }
    }
}
