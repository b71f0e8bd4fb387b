package dev.oauthrefresher.cron;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/**
 * Accepts each QStash signature once. The official SDKs do not stop a captured request from being replayed
 * until its token expires; this remembers every accepted {@code jti} until then, in the database, so every
 * replica refuses the second use.
 */
@ApplicationScoped
public class SignatureReplayGuard {

    private final UsedSignatureRepository signatures;

    SignatureReplayGuard(UsedSignatureRepository signatures) {
        this.signatures = signatures;
    }

    /** True the first time a signature id is seen; false for a replay. */
    public boolean firstUse(QStashVerifier.Verified signature) {
        return QuarkusTransaction.requiringNew().call(() -> signatures.insertIfAbsent(signature.jti(), signature.expiresAt()));
    }

    /** Ids past their token's expiry can no longer be replayed: forget them. */
    @Scheduled(every = "10m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purgeExpired() {
        QuarkusTransaction.requiringNew().run(() -> signatures.deleteExpiredBefore(Instant.now().minusSeconds(300)));
    }
}
