package dev.oauthrefresher.cron;

import dev.oauthrefresher.retention.RetainedTable;
import dev.oauthrefresher.retention.RetentionFamily;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Accepts each QStash signature once. The official SDKs do not stop a captured request from being replayed
 * until its token expires; this remembers every accepted {@code jti} until then, in the database, so every
 * replica refuses the second use. "Until then" is the expiry plus the clock leeway the verifier grants, plus a
 * margin for replicas whose clocks disagree: the retention job forgets a signature
 * {@code refresher.retention.used-signatures} after its expiry, which startup holds to at least that much, so only once
 * no replica would accept it.
 */
@ApplicationScoped
public class SignatureReplayGuard implements RetainedTable.Batched {

    /** Beyond expiry and leeway: replicas' clocks may differ from the database's, which the purge's cutoff is taken by. */
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

    @Override
    public RetentionFamily family() {
        return RetentionFamily.USED_SIGNATURES;
    }

    @Override
    public String table() {
        return "used_signature";
    }

    /** Measured from the token's expiry: the row's time is {@code expires_at}. */
    @Override
    public Optional<Instant> oldest() {
        return signatures.oldestExpiry();
    }

    /** A signature is accepted until its expiry plus the leeway; replicas' clocks differ by up to the margin. */
    @Override
    public Duration minimumRetention() {
        return config.qstash().clockLeeway().plus(PURGE_MARGIN);
    }

    @Override
    public int purge(Instant cutoff, int batch) {
        return signatures.deleteExpiredBefore(cutoff, batch);
    }
}
