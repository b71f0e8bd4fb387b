package dev.oauthrefresher.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.tokenstore.AccessToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The access-token cache on a hand-moved clock: versions, the TTL, the token's own expiry, the size bound. */
class AccessTokenCacheTest {

    private static final Instant START = Instant.parse("2026-12-05T10:00:00Z");
    private static final Duration TTL = Duration.ofSeconds(60);

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Ticker ticker = nanos::get;
    private Clock clock = Clock.fixed(START, ZoneOffset.UTC);
    private final UUID id = UUID.randomUUID();

    private AccessTokenCache cache(Duration ttl, int maxEntries) {
        return new AccessTokenCache(ttl, maxEntries, ticker, () -> clock.instant(), Runnable::run);
    }

    private void advance(Duration by) {
        nanos.addAndGet(by.toNanos());
        clock = Clock.offset(clock, by);
    }

    private static AccessToken token(String value, Instant expiresAt) {
        return new AccessToken(Secret.of(value), "Bearer", expiresAt, Optional.empty());
    }

    @Test
    void shouldServeATokenOnlyForTheRowVersionItWasReadAt() {
        AccessTokenCache cache = cache(TTL, 100);
        cache.put(id, 3, token("at-3", START.plusSeconds(3600)));
        assertThat(cache.get(id, 3)).map(t -> t.accessToken().reveal()).contains("at-3");
        assertThat(cache.get(id, 4)).isEmpty();
        assertThat(cache.get(id, 3)).as("a version that did not match drops the entry").isEmpty();
    }

    @Test
    void shouldLetANewerVersionReplaceAnOlderOneButNeverTheOtherWayRound() {
        AccessTokenCache cache = cache(TTL, 100);
        cache.put(id, 3, token("at-3", START.plusSeconds(3600)));
        cache.put(id, 5, token("at-5", START.plusSeconds(3600)));
        cache.put(id, 4, token("at-4", START.plusSeconds(3600)));
        assertThat(cache.get(id, 5)).map(t -> t.accessToken().reveal()).contains("at-5");
    }

    @Test
    void shouldForgetATokenOnceTheTtlHasPassed() {
        AccessTokenCache cache = cache(TTL, 100);
        cache.put(id, 1, token("at", START.plusSeconds(3600)));
        advance(TTL.minusSeconds(1));
        assertThat(cache.get(id, 1)).isPresent();
        advance(Duration.ofSeconds(1));
        assertThat(cache.get(id, 1)).isEmpty();
    }

    @Test
    void shouldNeverKeepATokenPastItsOwnExpiry() {
        AccessTokenCache cache = cache(TTL, 100);
        cache.put(id, 1, token("short", START.plusSeconds(10)));
        advance(Duration.ofSeconds(9));
        assertThat(cache.get(id, 1)).isPresent();
        advance(Duration.ofSeconds(1));
        assertThat(cache.get(id, 1)).isEmpty();
        cache.put(id, 1, token("expired", START.minusSeconds(1)));
        assertThat(cache.get(id, 1)).isEmpty();
    }

    @Test
    void shouldNotRestartAnEntrysLifeWhenAnOlderVersionIsOffered() {
        AccessTokenCache cache = cache(TTL, 100);
        cache.put(id, 2, token("at-2", START.plusSeconds(3600)));
        advance(Duration.ofSeconds(50));
        cache.put(id, 1, token("at-1", START.plusSeconds(3600)));
        advance(Duration.ofSeconds(10));
        assertThat(cache.get(id, 2)).isEmpty();
    }

    @Test
    void shouldCacheNothingWhenTheTtlOrTheBoundIsZero() {
        AccessTokenCache noTtl = cache(Duration.ZERO, 100);
        noTtl.put(id, 1, token("at", START.plusSeconds(3600)));
        assertThat(noTtl.get(id, 1)).isEmpty();
        AccessTokenCache noRoom = cache(TTL, 0);
        noRoom.put(id, 1, token("at", START.plusSeconds(3600)));
        assertThat(noRoom.get(id, 1)).isEmpty();
    }

    @Test
    void shouldHoldNoMoreTokensThanItsBound() {
        AccessTokenCache cache = cache(TTL, 10);
        UUID[] ids = IntStream.range(0, 100).mapToObj(i -> UUID.randomUUID()).toArray(UUID[]::new);
        for (UUID each : ids) {
            cache.put(each, 1, token("at", START.plusSeconds(3600)));
        }
        long held = java.util.Arrays.stream(ids).filter(each -> cache.get(each, 1).isPresent()).count();
        assertThat(held).isBetween(1L, 10L);
    }

    @Test
    void shouldDropAnEvictedToken() {
        AccessTokenCache cache = cache(TTL, 100);
        cache.put(id, 1, token("at", START.plusSeconds(3600)));
        cache.evict(id);
        assertThat(cache.get(id, 1)).isEmpty();
    }
}
