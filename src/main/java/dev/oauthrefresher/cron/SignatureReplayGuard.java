package dev.oauthrefresher.cron;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;

/**
 * Accepts each QStash signature once. The official SDKs do not stop a captured request from being replayed
 * until its token expires; this remembers every accepted {@code jti} until then, in the database, so every
 * replica refuses the second use. "Until then" is the expiry plus the clock leeway the verifier grants, plus a
 * margin for replicas whose clocks disagree: a signature is forgotten only once no replica would accept it.
 */
@ApplicationScoped
public class SignatureReplayGuard {

    /** Beyond expiry and leeway: replicas' clocks may differ from the one that purges. */
    static final Duration PURGE_MARGIN = Duration.ofMinutes(5);

    private final UsedSignatureRepository signatures;
    private final CronConfig config;

    SignatureReplayGuard(UsedSignatureRepository signatures, CronConfig config) {
        this.signatures = signatures;
        this.config = config;
    }

    /** True the first time a signature id is seen; false for a replay. */
    public boolean firstUse(QStashVerifier.Verified signature) {
        return QuarkusTransaction.requiringNew().call(() -> signatures.insertIfAbsent(signature.jti(), signature.expiresAt()));
    }

    /** Ids past their token's expiry, leeway and margin can no longer be replayed: forget them. */
    @Scheduled(every = "10m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purgeExpired() {
        QuarkusTransaction.requiringNew().run(() -> signatures.deleteExpiredBefore(purgeCutoff(Instant.now())));
    }

    /** Signatures that expired before this instant are forgotten. */
    Instant purgeCutoff(Instant now) {
        return now.minus(config.qstash().clockLeeway()).minus(PURGE_MARGIN);
    }
}
