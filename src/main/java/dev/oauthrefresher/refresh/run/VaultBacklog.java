package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.refresh.ClaimedIntegration;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * A run's claimed rows per Key Vault (the sealed layout's rows cost no vault request and are not counted) that have
 * not finished their refresh call, and which vaults it should not claim
 * more of: a vault is <em>full</em> once its outstanding rows need longer than {@code horizon} at this replica's
 * request rate for it (counted as two requests per refresh, the most one costs), and <em>unserved</em> once a claimed row
 * named a vault this replica does not have. Rows of either stay unclaimed, for a later claim, run or replica, instead
 * of waiting in memory past their lead time. A claim may still overshoot a vault by one batch: the query leaves
 * vaults out, it does not count them.
 *
 * <p>Not thread-safe: it belongs to one {@link RefreshRun} and is touched only on that run's serial context.
 */
final class VaultBacklog {

    private static final Logger LOG = Logger.getLogger(VaultBacklog.class);
    /**
     * Vault requests one refresh costs at most: the token read and the write of the new tokens. With
     * {@code refresher.token-store.write-access-tokens=false} a refresh that keeps its refresh token costs one; counting
     * two keeps the bound on the safe side for rows of rotating providers, which the claim cannot tell apart.
     */
    static final int REQUESTS_PER_REFRESH = 2;

    /** This replica's request rate for each vault. */
    @FunctionalInterface
    interface Rates {
        /** Requests per second this replica may send to {@code vault}; empty if it cannot reach it (not configured). */
        OptionalDouble requestsPerSecond(String vault);
    }

    private final UUID runId;
    private final Rates rates;
    private final Duration horizon;
    private final Map<String, Integer> outstanding = new HashMap<>();
    private final Set<String> unserved = new TreeSet<>();

    VaultBacklog(UUID runId, Rates rates, Duration horizon) {
        this.runId = runId;
        this.rates = rates;
        this.horizon = horizon;
    }

    void claimed(List<ClaimedIntegration> rows) {
        for (ClaimedIntegration row : rows) {
            if (row.secret().inDatabase()) {
                // sealed in PostgreSQL: no vault request, so nothing to bound
                continue;
            }
            String vault = row.vault();
            outstanding.merge(vault, 1, Integer::sum);
            if (rates.requestsPerSecond(vault).isEmpty() && unserved.add(vault)) {
                LOG.warnf("Run %s: integrations in vault '%s', which is not configured on this replica, are deferred "
                        + "untouched (refresher_vault_not_configured_total) and left out of this run's further claims",
                        runId, vault);
            }
        }
    }

    /** The row's refresh call is over (or it was never started): its vault requests are done. */
    void finished(ClaimedIntegration row) {
        outstanding.computeIfPresent(row.vault(), (vault, count) -> count > 1 ? count - 1 : null);
    }

    /** The vaults the next claim leaves out: the full ones and the unserved ones. */
    Set<String> excluded() {
        Set<String> excluded = new TreeSet<>(unserved);
        outstanding.forEach((vault, count) -> {
            if (isFull(vault, count)) {
                excluded.add(vault);
            }
        });
        return excluded;
    }

    /**
     * Whether leaving out {@code vaults} hides work that is due now: true if one of them is merely full. Leaving out
     * unserved vaults does not, since this run would not refresh their rows anyway.
     */
    boolean narrows(Set<String> vaults) {
        return vaults.stream().anyMatch(vault -> !unserved.contains(vault));
    }

    private boolean isFull(String vault, int count) {
        OptionalDouble rate = rates.requestsPerSecond(vault);
        if (rate.isEmpty()) {
            return false;
        }
        double servable = rate.getAsDouble() * horizon.toMillis() / 1000.0 / REQUESTS_PER_REFRESH;
        return count >= servable;
    }
}
