package dev.oauthrefresher.integration;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.common.Timestamps;
import dev.oauthrefresher.keyring.KeyRing;
import dev.oauthrefresher.keyring.SealedValueException;
import dev.oauthrefresher.tokenstore.AccessToken;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
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
    /** The first byte of a layout-1 plaintext ({@link #encode}); a JSON document, the layout before it, begins with '{'. */
    private static final byte LAYOUT_1 = 0x01;

    private final KeyRing ring;

    AccessTokenSeal(KeyRing ring) {
        this.ring = ring;
    }

    /** The value to write for the row {@code id} whose statement sets its expiry to the token's and its refresh time to {@code refreshedAt}. */
    public byte[] seal(UUID id, AccessToken token, Instant refreshedAt) {
        byte[] plain = encode(token, refreshedAt);
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
            Decoded decoded = plain.length > 0 && plain[0] == LAYOUT_1 ? decode(plain) : decodeJson(plain);
            if (!same(decoded.token().expiresAt(), row.accessTokenExpiresAt())
                    || !same(decoded.refreshedAt(), row.lastRefreshedAt())) {
                LOG.debugf("Integration %s: the sealed access token beside the row is older than the row", row.id());
                return Optional.empty();
            }
            return Optional.of(decoded.token());
        } catch (RuntimeException e) {
            // authentic, yet not what seal() writes: the parser's message could quote the plaintext, so it is not logged
            LOG.warnf("Integration %s: the sealed access token beside the row is not a token document", row.id());
            return Optional.empty();
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** What a sealed value holds: the token and the refresh time that binds it to the row. */
    private record Decoded(AccessToken token, Instant refreshedAt) {
    }

    /**
     * Layout 1 of the plaintext: {@code 0x01}; the expiry and the refresh time, each as epoch seconds (8 bytes) and
     * nanoseconds (4); the token type and the scope, each as a length (4 bytes; -1 for no scope) and UTF-8; then the
     * access token, UTF-8, to the end. About a hundred bytes fewer than a JSON document for a short token, which every
     * row, its WAL and each claim's copy of the row carry.
     */
    private static byte[] encode(AccessToken token, Instant refreshedAt) {
        byte[] type = token.tokenType().getBytes(StandardCharsets.UTF_8);
        byte[] scope = token.scope().map(s -> s.getBytes(StandardCharsets.UTF_8)).orElse(null);
        byte[] accessToken = token.accessToken().reveal().getBytes(StandardCharsets.UTF_8);
        try {
            ByteBuffer plain = ByteBuffer.allocate(1 + 2 * (8 + 4) + 4 + type.length + 4 + (scope == null ? 0 : scope.length)
                    + accessToken.length);
            plain.put(LAYOUT_1);
            put(plain, token.expiresAt());
            put(plain, refreshedAt);
            plain.putInt(type.length).put(type);
            if (scope == null) {
                plain.putInt(-1);
            } else {
                plain.putInt(scope.length).put(scope);
            }
            return plain.put(accessToken).array();
        } finally {
            Arrays.fill(accessToken, (byte) 0);
        }
    }

    private static Decoded decode(byte[] plain) {
        ByteBuffer in = ByteBuffer.wrap(plain, 1, plain.length - 1);
        Instant expiresAt = instant(in);
        Instant refreshedAt = instant(in);
        String type = string(in, in.getInt());
        int scopeLength = in.getInt();
        Optional<String> scope = scopeLength == -1 ? Optional.empty() : Optional.of(string(in, scopeLength));
        String accessToken = string(in, in.remaining());
        return new Decoded(new AccessToken(Secret.of(accessToken), type, expiresAt, scope), refreshedAt);
    }

    /**
     * A value sealed before layout 1, by this release's first builds: a JSON document ({@code access_token},
     * {@code token_type}, {@code expires_at}, {@code refreshed_at}, {@code scope}).
     */
    private static Decoded decodeJson(byte[] plain) {
        JsonObject document = new JsonObject(new String(plain, StandardCharsets.UTF_8));
        return new Decoded(new AccessToken(Secret.of(document.getString("access_token")), document.getString("token_type"),
                Timestamps.parseIso(document.getString("expires_at")), Optional.ofNullable(document.getString("scope"))),
                Timestamps.parseIso(document.getString("refreshed_at")));
    }

    private static void put(ByteBuffer out, Instant instant) {
        out.putLong(instant.getEpochSecond()).putInt(instant.getNano());
    }

    private static Instant instant(ByteBuffer in) {
        return Instant.ofEpochSecond(in.getLong(), in.getInt());
    }

    private static String string(ByteBuffer in, int length) {
        String value = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return value;
    }

    private static boolean same(Instant sealed, Instant stored) {
        return stored != null && Duration.between(sealed, stored).abs().compareTo(PRECISION) < 0;
    }
}
