package dev.oauthrefresher.refresh;

import dev.oauthrefresher.integration.IntegrationRepository;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Rotated refresh tokens that the token store has not accepted yet. A rotating provider has already
 * invalidated the old token, so dropping the new one would kill the grant: each entry is retried until the
 * store takes it, and meanwhile its row stays leased so that no run refreshes with the dead old token.
 */
@ApplicationScoped
public class PendingRotations {

    private static final Logger LOG = Logger.getLogger(PendingRotations.class);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    record Pending(ClaimedIntegration row, String owner, UUID runId, TokenSet tokens, Instant newExpiry, Instant startedAt) {
    }

    private final Map<UUID, Pending> pending = new ConcurrentHashMap<>();
    private final TokenStore tokenStore;
    private final IntegrationRepository integrations;
    private final OutcomeWriter writer;
    private final RefreshConfig config;

    PendingRotations(TokenStore tokenStore, IntegrationRepository integrations, OutcomeWriter writer,
            RefreshConfig config) {
        this.tokenStore = tokenStore;
        this.integrations = integrations;
        this.writer = writer;
        this.config = config;
    }

    void add(Pending entry) {
        pending.put(entry.row().id(), entry);
        LOG.errorf("Integration %s: the provider rotated its refresh token and the token store refused the new one; "
                + "holding it in memory and retrying every %s (the row stays leased meanwhile)",
                entry.row().id(), config.pendingRetryInterval());
    }

    public int size() {
        return pending.size();
    }

    @Scheduled(every = "${refresher.refresh.pending-retry-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void retry() {
        if (pending.isEmpty()) {
            return;
        }
        for (Pending entry : List.copyOf(pending.values())) {
            retry(entry);
        }
    }

    private void retry(Pending entry) {
        UUID id = entry.row().id();
        try {
            QuarkusTransaction.requiringNew().run(() -> integrations.extendLease(List.of(id), entry.owner(),
                    Instant.now().plus(config.lease())));
            tokenStore.save(entry.row().secretName(), entry.tokens()).await().atMost(WRITE_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warnf("Integration %s: rotated refresh token still not stored (%s); will retry",
                    id, e.getClass().getSimpleName());
            return;
        }
        pending.remove(id);
        writer.write(entry.row(), entry.owner(), entry.runId(), new Outcome.Refreshed(entry.newExpiry(), true),
                entry.startedAt(), Instant.now()).await().atMost(WRITE_TIMEOUT);
        LOG.infof("Integration %s: rotated refresh token stored after retrying", id);
    }
}
