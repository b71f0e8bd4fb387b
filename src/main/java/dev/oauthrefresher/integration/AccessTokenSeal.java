package dev.oauthrefresher.integration;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.keyring.KeyRing;
import dev.oauthrefresher.keyring.SealedValueException;
import dev.oauthrefresher.tokenstore.AccessToken;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The access token beside an integration's row ({@code integration.access_token_sealed}): its token, type, scope and
 * expiry sealed by the {@link KeyRing} with the integration id as associated data, so a value moved to another row does
 * not open. Every statement that records a new access token writes it through {@link #seal}; readers ask {@link #open}.
 *
 * <p><b>When a sealed value holds.</b> A pod of the previous release records new access tokens (a refresh, a reconnect)
 * without writing this column, so a value can outlive its token. It is trusted only while the expiry and the refresh
 * time sealed in it equal the row's {@code access_token_expires_at} and {@code last_refreshed_at}: every writer of a new
 * access token, of any release, sets both in the same statement (the refresh time to its clock's now), so a value left
 * behind by such a write no longer matches and the reader falls back to the token store. The row's {@code version} is
 * no use here: every claim, lease release and vault move bumps it, so a value bound to it would go stale at the next
 * run's claim of the row.
 */
@ApplicationScoped
public class AccessTokenSeal {

    private static final Logger LOG = Logger.getLogger(AccessTokenSeal.class);
    /** PostgreSQL keeps microseconds and rounds what it is given: an instant and its stored value differ by less. */
    private static final Duration PRECISION = Duration.ofNanos(1_000);

    private final KeyRing ring;

    AccessTokenSeal(KeyRing ring) {
        this.ring = ring;
    }

    /** The value to write for the row {@code id} whose statement sets its expiry to the token's and its refresh time to {@code refreshedAt}. */
    public byte[] seal(UUID id, AccessToken token, Instant refreshedAt) {
        JsonObject document = new JsonObject()
                .put("access_token", token.accessToken().reveal())
                .put("token_type", token.tokenType())
                .put("expires_at", token.expiresAt().toString())
                .put("refreshed_at", refreshedAt.toString());
        token.scope().ifPresent(scope -> document.put("scope", scope));
        byte[] plain = document.encode().getBytes(StandardCharsets.UTF_8);
        try {
            return ring.sealBytes(id, plain).value();
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * The row's access token, if its sealed value opens and still matches the row; empty if there is none, if it is stale
     * (a previous-release pod recorded a newer token) or if it does not open (altered, or sealed with a key this ring
     * lacks): the caller then reads the token store, as before this column existed.
     */
    public Optional<AccessToken> open(Integration row) {
        Optional<byte[]> sealed = row.accessTokenSealed();
        if (sealed.isEmpty()) {
            return Optional.empty();
        }
        byte[] plain;
        try {
            plain = ring.openBytes(row.id(), sealed.get());
        } catch (SealedValueException e) {
            // the message names the row and at most a key id, never the value
            LOG.warnf("Integration %s: the sealed access token beside the row is not used: %s", row.id(), e.getMessage());
            return Optional.empty();
        }
        try {
            JsonObject document = new JsonObject(new String(plain, StandardCharsets.UTF_8));
            Instant expiresAt = Instant.parse(document.getString("expires_at"));
            Instant refreshedAt = Instant.parse(document.getString("refreshed_at"));
            if (!same(expiresAt, row.accessTokenExpiresAt()) || !same(refreshedAt, row.lastRefreshedAt())) {
                LOG.debugf("Integration %s: the sealed access token beside the row is older than the row", row.id());
                return Optional.empty();
            }
            return Optional.of(new AccessToken(Secret.of(document.getString("access_token")), document.getString("token_type"),
                    expiresAt, Optional.ofNullable(document.getString("scope"))));
        } catch (RuntimeException e) {
            // authentic, yet not what seal() writes: the parser's message could quote the plaintext, so it is not logged
            LOG.warnf("Integration %s: the sealed access token beside the row is not a token document", row.id());
            return Optional.empty();
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private static boolean same(Instant sealed, Instant stored) {
        return stored != null && Duration.between(sealed, stored).abs().compareTo(PRECISION) < 0;
    }
}
