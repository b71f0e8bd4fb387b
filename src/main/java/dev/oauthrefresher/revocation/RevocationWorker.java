package dev.oauthrefresher.revocation;

import dev.oauthrefresher.common.ExponentialBackoff;
import dev.oauthrefresher.common.Pump;
import dev.oauthrefresher.provider.ProviderGateway;
import dev.oauthrefresher.provider.RevocationResult;
import dev.oauthrefresher.keyring.KeyRing;
import dev.oauthrefresher.keyring.SealedValueException;
import dev.oauthrefresher.tokenstore.TokenSet;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Sends queued revocations; runs on every replica. Each pass claims due rows ({@code FOR UPDATE SKIP LOCKED} under a
 * lease, so one replica sends a row at a time and a dead replica's rows come back after the lease), opens each row's
 * sealed tokens, revokes the refresh token at its group's endpoint (a batch in flight at once, on the event loop), and
 * then settles the batch in one transaction: revoked or already invalid, the row goes; a failure worth retrying is due
 * again after the backoff (or the endpoint's {@code Retry-After}, if later) until {@code max-age}; anything else is
 * given up. No database connection is held while the provider is asked. Nothing logged names a token or quotes an
 * answer's body.
 *
 * <p>One pass at a time ({@link Pump}); it runs when the poll timer fires and when a disconnect on this replica has
 * committed ({@link Revocations#committed}), on a worker thread, never on the disconnect's.
 */
@Startup
@ApplicationScoped
public class RevocationWorker {

    private static final Logger LOG = Logger.getLogger(RevocationWorker.class);

    private final RevocationRepository queue;
    private final KeyRing ring;
    private final ProviderGateway gateway;
    private final RevocationMetrics metrics;
    private final RevocationConfig config;
    private final ExponentialBackoff backoff;
    private final Pump pump = new Pump(this::drain);
    /** Whether the last pass failed, so an unreachable database is logged once, not at every poll. */
    private final AtomicBoolean failing = new AtomicBoolean();

    RevocationWorker(RevocationRepository queue, KeyRing ring, ProviderGateway gateway,
            RevocationMetrics metrics, RevocationConfig config) {
        this.queue = queue;
        this.ring = ring;
        this.gateway = gateway;
        this.metrics = metrics;
        this.config = config;
        check(config, gateway.worstCase());
        RevocationConfig.Backoff b = config.backoff();
        this.backoff = new ExponentialBackoff(b.initial(), b.max(), b.multiplier(), b.jitter());
    }

    /** Fails startup naming the key: a lease shorter than a call would let a second replica send the row meanwhile. */
    static void check(RevocationConfig config, Duration slowestCall) {
        positive("refresher.revocation.poll-interval", config.pollInterval());
        positive("refresher.revocation.max-age", config.maxAge());
        positive("refresher.revocation.backoff.initial", config.backoff().initial());
        if (config.lease().compareTo(slowestCall) < 0) {
            throw invalid("refresher.revocation.lease", "must be at least the slowest provider group's worst case ("
                    + slowestCall.toMillis() + " ms: twice its connect timeout plus its request timeout)");
        }
        if (config.backoff().max().compareTo(config.backoff().initial()) < 0) {
            throw invalid("refresher.revocation.backoff.max", "must not be shorter than refresher.revocation.backoff.initial");
        }
        if (config.backoff().multiplier() < 1.0) {
            throw invalid("refresher.revocation.backoff.multiplier", "must be at least 1.0");
        }
        if (config.backoff().jitter() < 0 || config.backoff().jitter() >= 1.0) {
            throw invalid("refresher.revocation.backoff.jitter", "must be at least 0 and below 1");
        }
    }

    @Scheduled(every = "${refresher.revocation.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        wake();
    }

    /** Asks for a pass; if one is running it goes round once more instead. */
    void wake() {
        pump.wake();
    }

    /** One round of the pump: batches while they come back full, then the queue's gauges. */
    private void drain() {
        try {
            if (config.enabled()) {
                int claimed;
                do {
                    claimed = pass();
                } while (claimed == config.batchSize());
            }
            Instant now = Instant.now();
            metrics.queue(QuarkusTransaction.requiringNew().call(queue::depth), now);
            if (failing.compareAndSet(true, false)) {
                LOG.info("Sending queued revocations works again");
            }
        } catch (RuntimeException e) {
            if (failing.compareAndSet(false, true)) {
                LOG.warnf("Could not send queued revocations (every poll retries): %s", e.getClass().getSimpleName());
            }
        }
    }

    /** Claims one batch, sends it, settles it; returns how many rows it claimed. */
    private int pass() {
        String owner = "revocations/" + UUID.randomUUID();
        Instant claimedAt = Instant.now();
        List<RevocationRepository.Claimed> claimed = QuarkusTransaction.requiringNew()
                .call(() -> queue.claimDue(owner, claimedAt, claimedAt.plus(config.lease()), config.batchSize()));
        if (claimed.isEmpty()) {
            return 0;
        }
        List<Uni<RevocationResult>> calls = claimed.stream().map(this::send).toList();
        // each call ends within its group's worst case, which the lease covers (checked at startup)
        List<RevocationResult> results = Uni.join().all(calls).andFailFast().await().atMost(config.lease());
        Instant now = Instant.now();
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < claimed.size(); i++) {
                settle(claimed.get(i), owner, results.get(i), now);
            }
        });
        return claimed.size();
    }

    private Uni<RevocationResult> send(RevocationRepository.Claimed row) {
        TokenSet tokens;
        try {
            tokens = ring.open(row.integrationId(), row.sealedTokens());
        } catch (SealedValueException.UnknownKeyId e) {
            // a key this replica's ring has not read yet (an early re-read has started): retried, until max-age
            return Uni.createFrom().item(new RevocationResult.Retry("sealed with key " + e.keyId()
                    + ", which this replica's key ring does not hold", Optional.empty()));
        } catch (SealedValueException.Tampered e) {
            return Uni.createFrom().item(new RevocationResult.Refused("sealed value does not open (key "
                    + ring.displayName(row.keyId()) + "): altered or sealed for another row"));
        }
        return gateway.revoke(row.providerGroup(), tokens.refreshToken());
    }

    private void settle(RevocationRepository.Claimed row, String owner, RevocationResult result, Instant now) {
        if (result instanceof RevocationResult.Revoked) {
            queue.finish(row.integrationId(), owner);
            metrics.outcome(RevocationMetrics.REVOKED);
            LOG.debugf("Integration %s: grant revoked at provider group %s", row.integrationId(), row.providerGroup());
        } else if (result instanceof RevocationResult.AlreadyInvalid invalid) {
            queue.finish(row.integrationId(), owner);
            metrics.outcome(RevocationMetrics.ALREADY_INVALID);
            LOG.debugf("Integration %s: grant was already invalid at provider group %s (%s)", row.integrationId(),
                    row.providerGroup(), invalid.errorCode());
        } else if (result instanceof RevocationResult.Retry retry) {
            if (Duration.between(row.createdAt(), now).compareTo(config.maxAge()) >= 0) {
                giveUp(row, owner, retry.reason() + "; past refresher.revocation.max-age (" + config.maxAge() + ")");
                return;
            }
            Duration backedOff = backoff.delay(row.attempts(), ThreadLocalRandom.current().nextDouble());
            Duration delay = retry.retryAfter().filter(hint -> hint.compareTo(backedOff) > 0).orElse(backedOff);
            queue.retryAt(row.integrationId(), owner, now.plus(delay), retry.reason());
            metrics.outcome(RevocationMetrics.RETRIED);
            LOG.debugf("Integration %s: revocation at provider group %s failed (%s), attempt %d; retried in %s",
                    row.integrationId(), row.providerGroup(), retry.reason(), row.attempts(), delay);
        } else if (result instanceof RevocationResult.Refused refused) {
            giveUp(row, owner, refused.reason());
        } else {
            throw new IllegalStateException("unhandled revocation result " + result.getClass().getSimpleName());
        }
    }

    private void giveUp(RevocationRepository.Claimed row, String owner, String reason) {
        queue.finish(row.integrationId(), owner);
        metrics.outcome(RevocationMetrics.GAVE_UP);
        LOG.warnf("Integration %s of tenant %s: gave up revoking its grant at provider group %s after %d attempt(s) "
                + "since %s: %s. The grant may stay valid at the provider until it expires or the user revokes it.",
                row.integrationId(), row.tenantId(), row.providerGroup(), row.attempts(), row.createdAt(), reason);
    }

    private static void positive(String key, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw invalid(key, "must be positive");
        }
    }

    private static ConfigurationException invalid(String key, String problem) {
        return new ConfigurationException(key + " " + problem, Set.of(key));
    }
}
