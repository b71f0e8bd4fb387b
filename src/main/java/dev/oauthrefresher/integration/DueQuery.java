package dev.oauthrefresher.integration;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What to claim: rows due at {@code now} for the given lead time and keep-alive age, optionally narrowed
 * to one tenant, provider or provider group, at most {@code limit} of them.
 */
public record DueQuery(Instant now, Duration leadTime, Duration keepAliveAge, Optional<String> tenant,
        Optional<Provider> provider, Optional<String> providerGroup, int limit) {

    public DueQuery {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive");
        }
    }

    public Instant expiresBefore() {
        return now.plus(leadTime);
    }

    public Instant idleSince() {
        return now.minus(keepAliveAge);
    }
}
