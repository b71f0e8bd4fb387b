package dev.oauthrefresher.lease;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The one lease length, and how often a waiter asks for a busy row. The lease's key keeps the name it had when only runs
 * held leases ({@code refresher.refresh.lease}), so existing deployments keep their setting, and the poll interval sits
 * beside it under the same prefix; every lease (run, single-row refresh, rotation takeover, lifecycle change,
 * vault move) is this long and renewed by {@link LeaseKeeper}. Checked at startup against the longest thing a holder
 * may do while holding one ({@code RefreshConfigCheck}).
 */
@ConfigMapping(prefix = "refresher.refresh")
public interface LeaseConfig {

    /**
     * How long a lease lasts without renewal; a crashed replica's rows are claimable again after it. Key
     * {@code refresher.refresh.lease}, default {@code 5m}. Must exceed the run budget and leave more than the worst
     * case of one refresh after a renewal interval (a fifth of it).
     */
    @WithDefault("5m")
    Duration lease();

    /**
     * How often a caller that waits for a busy row ({@link Leases#claimWithin}: a reconnect or disconnect, for
     * {@code refresher.integrations.lease-wait}) asks for it again; each ask is one short transaction. Key
     * {@code refresher.refresh.lease-wait-poll-interval}, default {@code 100ms}.
     */
    @WithDefault("100ms")
    Duration leaseWaitPollInterval();

    /**
     * How a refresh's fence before its token-store write proves the lease ({@link LeaseKeeper#fenceAsync}). Key
     * {@code refresher.refresh.fence-proof}, default {@code held}: from the lease end this replica wrote and the database
     * confirmed, while it is three fifths of a lease away, and by a statement otherwise. {@code database} sends the
     * statement before every write, for deployments where something outside this service may write the lease columns
     * (manual SQL, a failover that can lose committed transactions); it costs a fifth of a refresh's service CPU in
     * the memory-store benchmark (BENCHMARKS.md). Blocking fences (lifecycle changes, vault moves, pending rotations)
     * always ask the database.
     */
    @WithDefault("held")
    FenceProof fenceProof();

    /** See {@link #fenceProof()}. */
    enum FenceProof {
        HELD,
        DATABASE
    }
}
