import ServiceLifecycle

/// The hourly certificate renewal, cancelled when the group shuts down.
struct CertificateRenewalService: Service {
    let certificates: CertificateManager

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await certificates.runRenewals()
        }
    }
}
