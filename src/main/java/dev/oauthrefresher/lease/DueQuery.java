package dev.oauthrefresher.lease;

import dev.oauthrefresher.provider.Provider;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * What to claim: rows due at {@code now} for the given lead time and keep-alive age, optionally narrowed
 * to one tenant, provider or provider group, leaving out {@code excludedTenants} (those a run already has
 * enough queued work for) and rows of {@code excludedVaults} (vaults a run cannot serve more of now, or at all),
 * at most {@code limit} of them.
 */
public record DueQuery(Instant now, Duration leadTime, Duration keepAliveAge, Optional<String> tenant,
        Optional<Provider> provider, Optional<String> providerGroup, Set<String> excludedTenants,
        Set<String> excludedVaults, int limit) {

    public DueQuery {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive");
        }
        excludedTenants = Set.copyOf(excludedTenants);
        excludedVaults = Set.copyOf(excludedVaults);
    }

    public DueQuery(Instant now, Duration leadTime, Duration keepAliveAge, Optional<String> tenant,
            Optional<Provider> provider, Optional<String> providerGroup, int limit) {
        this(now, leadTime, keepAliveAge, tenant, provider, providerGroup, Set.of(), Set.of(), limit);
    }

    public DueQuery withLimit(int newLimit, Set<String> excluding) {
        return new DueQuery(now, leadTime, keepAliveAge, tenant, provider, providerGroup, excluding, excludedVaults, newLimit);
    }

    /** The same query leaving out rows whose vault ({@code integration.vault}, NULL meaning default) is in {@code vaults}. */
    public DueQuery excludingVaults(Set<String> vaults) {
        return new DueQuery(now, leadTime, keepAliveAge, tenant, provider, providerGroup, excludedTenants, vaults, limit);
    }

    public DueQuery at(Instant instant) {
        return new DueQuery(instant, leadTime, keepAliveAge, tenant, provider, providerGroup, excludedTenants,
                excludedVaults, limit);
    }

    public Instant expiresBefore() {
        return now.plus(leadTime);
    }

    public Instant idleSince() {
        return now.minus(keepAliveAge);
    }
}
