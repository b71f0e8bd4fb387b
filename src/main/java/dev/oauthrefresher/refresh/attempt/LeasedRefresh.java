package dev.oauthrefresher.refresh.attempt;

import dev.oauthrefresher.drain.Drain;
import dev.oauthrefresher.lease.Lease;
import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.refresh.RunCircuits;
import dev.oauthrefresher.tokenstore.VaultPriority;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;

/**
 * The one single-row refresh path: a row leased outside a run (a manual refresh, an on-demand access token) is
 * refreshed and recorded exactly as a run does it; its lease is renewed until the outcome is recorded, and a shutdown's
 * drain waits for it.
 */
@ApplicationScoped
public class LeasedRefresh {

    /** One row's outcome and whether its guarded write applied. */
    public record Settled(Outcome outcome, OutcomeWriter.Written written) {
    }

    private final IntegrationRefresher refresher;
    private final OutcomeWriter writer;
    private final RefreshConfig config;
    private final Drain drain;

    LeasedRefresh(IntegrationRefresher refresher, OutcomeWriter writer, RefreshConfig config, Drain drain) {
        this.refresher = refresher;
        this.writer = writer;
        this.config = config;
        this.drain = drain;
    }

    public Uni<Settled> refresh(ClaimedIntegration row, Lease lease, UUID runId) {
        Drain.Ticket ticket = drain.enter();
        Instant started = Instant.now();
        return refresher.refresh(row, new RunCircuits(config.providerCircuit()), lease, runId, VaultPriority.ON_DEMAND)
                .chain(outcome -> writer.write(row, lease.ownerValue(), runId, outcome, started, Instant.now())
                        .map(written -> new Settled(outcome, written)))
                .invoke(settled -> closeUnlessPending(lease, settled.outcome()))
                // an unrecorded outcome: the lease lapses and the row is retried, so stop renewing it
                .onFailure().invoke(e -> lease.close())
                .onTermination().invoke(ticket::close);
    }

    /** The row's outcome is recorded: its lease is no longer ours to renew, unless a rotation is still pending. */
    public static void closeUnlessPending(Lease lease, Outcome outcome) {
        if (!(outcome instanceof Outcome.RotationPending)) {
            lease.close();
        }
    }
}
