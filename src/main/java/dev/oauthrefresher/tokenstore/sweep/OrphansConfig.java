package dev.oauthrefresher.tokenstore.sweep;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.Optional;

/**
 * Token secrets no integration row points at: the compensation after a registration whose token-store write failed, and
 * the sweep that finds what the compensation missed.
 */
@ConfigMapping(prefix = "refresher.token-store.orphans")
public interface OrphansConfig {

    /**
     * Whether a registration whose token-store write went unanswered (a timeout, a broken connection, a gateway's error:
     * the vault may still apply it) deletes, {@code compensation-delay} later, the secret the write may have left in the
     * vault (only if no row has that secret's name by then). Key
     * {@code refresher.token-store.orphans.compensate}, default {@code true}.
     */
    @WithDefault("true")
    boolean compensate();

    /**
     * How long after such a failure the compensation looks: a vault may apply a write after this service gave up on its
     * answer. Key {@code refresher.token-store.orphans.compensation-delay}, default twice the token store's worst case for
     * one operation (3 minutes at the default Key Vault settings).
     */
    Optional<Duration> compensationDelay();

    /** The sweep of each vault. */
    Sweep sweep();

    interface Sweep {

        /**
         * Whether this replica takes part in sweeping the vaults for orphaned token secrets. Key
         * {@code refresher.token-store.orphans.sweep.enabled}, default {@code false}: an operator turns it on, in
         * {@code dry-run} first.
         */
        @WithDefault("false")
        boolean enabled();

        /**
         * A dry run lists, judges, logs and counts ({@code refresher_orphans_found_total}) the orphans it would delete, and
         * deletes nothing. Key {@code refresher.token-store.orphans.sweep.dry-run}, default {@code true}.
         */
        @WithDefault("true")
        boolean dryRun();

        /**
         * How often each replica offers to sweep; a vault swept by any replica within the last half interval is skipped.
         * Key {@code refresher.token-store.orphans.sweep.interval}, default {@code 6h}.
         */
        @WithDefault("6h")
        Duration interval();

        /**
         * Only a secret last written longer ago than this can be an orphan: a registration's write that lands late, or
         * that a compensation still waits for, is never swept. At least {@code 1h} and ten times the token store's caller
         * wait (checked at startup). Key {@code refresher.token-store.orphans.sweep.grace-period}, default {@code 24h}.
         */
        @WithDefault("24h")
        Duration gracePeriod();

        /**
         * Key Vault requests per second a sweep sends to one vault at most (a list page is one, a delete three: delete,
         * poll, purge), within the vault's on-demand share of this replica's budget. Key
         * {@code refresher.token-store.orphans.sweep.requests-per-second}, default {@code 5}.
         */
        @WithDefault("5")
        @Min(1)
        @Max(100)
        int requestsPerSecond();

        /**
         * Most secrets one sweep deletes in one vault; past it the sweep stops and logs, so a mistake (a restored database
         * missing rows) cannot empty a vault in one go. Key {@code refresher.token-store.orphans.sweep.max-deletes},
         * default {@code 500}.
         */
        @WithDefault("500")
        @Min(1)
        int maxDeletes();
    }
}
