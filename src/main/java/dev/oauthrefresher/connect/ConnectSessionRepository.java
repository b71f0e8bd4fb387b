package dev.oauthrefresher.connect;

import dev.oauthrefresher.common.Timestamps;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Connect sessions ({@code connect_session}). The session, state and browser binding are found and compared by their
 * SHA-256 hashes only. Every state change is one guarded statement, so a session is opened once and ended once
 * whatever the races between browsers and replicas.
 */
@ApplicationScoped
class ConnectSessionRepository {

    private static final String COLUMNS = """
            id, tenant_id, provider_group, scopes, redirect_uri, integration_id, login_hint, created_by, expires_at,
            opened_at, ended_at, browser_hash, verifier_sealed""";

    private final EntityManager em;

    ConnectSessionRepository(EntityManager em) {
        this.em = em;
    }

    /** One session as the flow reads it; never the session, the state or the verifier in clear. */
    record Session(UUID id, String tenantId, String providerGroup, String scopes, String redirectUri,
            Optional<UUID> integrationId, Optional<String> loginHint, String createdBy, Instant expiresAt,
            boolean opened, boolean ended, byte[] browserHash, byte[] verifierSealed) {

        boolean expiredAt(Instant now) {
            return !now.isBefore(expiresAt);
        }
    }

    void insert(UUID id, byte[] sessionHash, String tenantId, String group, String scopes, String redirectUri,
            Optional<UUID> integrationId, Optional<String> loginHint, String createdBy, Instant now, Instant expiresAt) {
        em.createNativeQuery("""
                INSERT INTO connect_session (id, session_hash, tenant_id, provider_group, scopes, redirect_uri,
                    integration_id, login_hint, created_by, created_at, expires_at)
                VALUES (:id, :hash, :tenant, :group, :scopes, :redirect, :integration, :hint, :actor, :now, :expires)
                """)
                .setParameter("id", id).setParameter("hash", sessionHash).setParameter("tenant", tenantId)
                .setParameter("group", group).setParameter("scopes", scopes).setParameter("redirect", redirectUri)
                .setParameter("integration", integrationId.orElse(null)).setParameter("hint", loginHint.orElse(null))
                .setParameter("actor", createdBy).setParameter("now", Timestamp.from(now))
                .setParameter("expires", Timestamp.from(expiresAt))
                .executeUpdate();
    }

    /** The session whose link carries the session with this hash, locked for the caller's transaction. */
    Optional<Session> lockBySession(byte[] sessionHash) {
        return one("SELECT " + COLUMNS + " FROM connect_session WHERE session_hash = :hash FOR UPDATE", sessionHash);
    }

    /** The session opened with the state of this hash, locked for the caller's transaction. */
    Optional<Session> lockByState(byte[] stateHash) {
        return one("SELECT " + COLUMNS + " FROM connect_session WHERE state_hash = :hash FOR UPDATE", stateHash);
    }

    /** Opens the session once: its state, browser binding and sealed verifier are set together. */
    boolean open(UUID id, byte[] stateHash, byte[] browserHash, byte[] verifierSealed, String keyId, Instant now) {
        return em.createNativeQuery("""
                UPDATE connect_session SET state_hash = :state, browser_hash = :browser, verifier_sealed = :verifier,
                    verifier_key_id = :key, opened_at = :now
                WHERE id = :id AND opened_at IS NULL AND ended_at IS NULL
                """)
                .setParameter("state", stateHash).setParameter("browser", browserHash).setParameter("verifier", verifierSealed)
                .setParameter("key", keyId).setParameter("now", Timestamp.from(now)).setParameter("id", id)
                .executeUpdate() == 1;
    }

    /**
     * Ends the session once, with its outcome; the sealed verifier goes with it (nothing can use it any more). False if
     * it had already ended.
     */
    boolean end(UUID id, String outcome, Instant now) {
        return em.createNativeQuery("""
                UPDATE connect_session SET ended_at = :now, outcome = :outcome, verifier_sealed = NULL
                WHERE id = :id AND ended_at IS NULL
                """)
                .setParameter("now", Timestamp.from(now)).setParameter("outcome", outcome).setParameter("id", id)
                .executeUpdate() == 1;
    }

    /** Records how an ended session finally came out (it ended as {@code exchanging} when its code was taken). */
    void settle(UUID id, String outcome) {
        em.createNativeQuery("UPDATE connect_session SET outcome = :outcome WHERE id = :id")
                .setParameter("outcome", outcome).setParameter("id", id).executeUpdate();
    }

    /** Deletes up to {@code limit} sessions that expired before {@code before}; how many. */
    int purgeExpired(Instant before, int limit) {
        return em.createNativeQuery("""
                DELETE FROM connect_session WHERE id IN (
                    SELECT id FROM connect_session WHERE expires_at < :before ORDER BY expires_at LIMIT :limit)
                """).setParameter("before", Timestamp.from(before)).setParameter("limit", limit).executeUpdate();
    }

    /** When the session that expired first of those kept expired. */
    Optional<Instant> oldestExpiry() {
        return Optional.ofNullable(Timestamps.toInstant(em.createNativeQuery("SELECT min(expires_at) FROM connect_session")
                .getSingleResult()));
    }

    private Optional<Session> one(String sql, byte[] hash) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery(sql).setParameter("hash", hash).getResultList();
        return rows.stream().findFirst().map(ConnectSessionRepository::session);
    }

    private static Session session(Object[] r) {
        return new Session((UUID) r[0], (String) r[1], (String) r[2], (String) r[3], (String) r[4],
                Optional.ofNullable((UUID) r[5]), Optional.ofNullable((String) r[6]), (String) r[7], instant(r[8]),
                r[9] != null, r[10] != null, (byte[]) r[11], (byte[]) r[12]);
    }

    private static Instant instant(Object value) {
        if (value instanceof Timestamp t) {
            return t.toInstant();
        }
        if (value instanceof OffsetDateTime t) {
            return t.toInstant();
        }
        return (Instant) value;
    }
}
