package dev.oauthrefresher.audit;

import dev.oauthrefresher.common.Timestamps;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads one tenant's audit trail ({@code audit_event}), newest first, by keyset paging on {@code (at, id)}: a page
 * ends where the next begins whatever is written meanwhile (new rows come before the first page, never inside one).
 */
@ApplicationScoped
public class AuditTrail {

    /** One audit row as an operator reads it; it never holds a secret (no row does). */
    public record AuditEntry(long id, Instant at, String actor, String action, UUID integrationId, String detail) {
    }

    /** A page and the cursor of the next one (null on the last page). */
    public record AuditPage(List<AuditEntry> items, String nextCursor) {
    }

    /**
     * Where a page starts: strictly before this row. Opaque to callers (base64url of the row's time and id), so its
     * shape can change without a change of the API.
     */
    public record Cursor(Instant at, long id) {

        String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((at + "|" + id).getBytes(StandardCharsets.UTF_8));
        }

        /** The cursor {@code value} names, or empty if it is not one this API handed out. */
        public static Optional<Cursor> parse(String value) {
            try {
                String decoded = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
                int bar = decoded.indexOf('|');
                if (bar < 0) {
                    return Optional.empty();
                }
                return Optional.of(new Cursor(Instant.parse(decoded.substring(0, bar)),
                        Long.parseLong(decoded.substring(bar + 1))));
            } catch (IllegalArgumentException | DateTimeParseException e) {
                return Optional.empty();
            }
        }
    }

    private final EntityManager em;

    AuditTrail(EntityManager em) {
        this.em = em;
    }

    /** Up to {@code limit} rows of {@code tenantId}, newest first, strictly before {@code before} if given. */
    @Transactional(Transactional.TxType.MANDATORY)
    public AuditPage page(String tenantId, Optional<Cursor> before, int limit) {
        Query query = em.createNativeQuery("""
                SELECT id, at, actor, action, integration_id, detail FROM audit_event
                WHERE tenant_id = :tenant
                """ + (before.isPresent() ? " AND (at, id) < (:at, :id)" : "") + """
                 ORDER BY at DESC, id DESC LIMIT :limit
                """)
                .setParameter("tenant", tenantId)
                .setParameter("limit", limit + 1);
        before.ifPresent(cursor -> query.setParameter("at", Timestamps.utc(cursor.at())).setParameter("id", cursor.id()));
        @SuppressWarnings("unchecked")
        List<Object[]> rows = query.getResultList();
        List<AuditEntry> entries = rows.stream().limit(limit).map(r -> new AuditEntry(((Number) r[0]).longValue(),
                Timestamps.toInstant(r[1]), (String) r[2], (String) r[3], (UUID) r[4], (String) r[5])).toList();
        String next = rows.size() > limit
                ? new Cursor(entries.get(limit - 1).at(), entries.get(limit - 1).id()).encode() : null;
        return new AuditPage(entries, next);
    }

    /**
     * When the oldest row still kept was written: the row with the lowest id, which the key's index finds in every
     * partition at once (ids come from one sequence as rows are written, so the lowest is the oldest but for rows
     * written in the same moments).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<Instant> oldest() {
        @SuppressWarnings("unchecked")
        List<Object> at = em.createNativeQuery("SELECT at FROM audit_event ORDER BY id LIMIT 1").getResultList();
        return at.stream().findFirst().map(Timestamps::toInstant);
    }
}
