package dev.oauthrefresher.keyring;

import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;

/**
 * The re-seal statements of a table that keeps one sealed value per integration in the columns
 * {@code (integration_id, sealed_tokens, key_id)}, as {@code pending_rotation} and {@code revocation} do: written once
 * here, handed its table by the repository that owns it, which implements {@link SealedRows} through it. The key ring
 * still knows no table: only this column layout. Callers own the transaction.
 */
public final class SealedColumns {

    private static final Pattern TABLE = Pattern.compile("[a-z_]{1,63}");

    private final EntityManager em;
    private final String table;

    /** @param table a table name of the schema (a constant of its repository, never input) */
    public SealedColumns(EntityManager em, String table) {
        if (!TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("Not a table name: " + table);
        }
        this.em = em;
        this.table = table;
    }

    /** @see SealedRows#table() */
    public String table() {
        return table;
    }

    /** @see SealedRows#sealedWithOtherKeys(String, UUID, int) */
    @SuppressWarnings("unchecked")
    public List<SealedRows.Row> sealedWithOtherKeys(String keyId, UUID after, int limit) {
        List<Object[]> rows = em.createNativeQuery("""
                SELECT integration_id, sealed_tokens, key_id FROM %s
                 WHERE key_id <> :key AND integration_id > :after
                 ORDER BY integration_id
                 LIMIT :limit
                   FOR UPDATE SKIP LOCKED
                """.formatted(table)).setParameter("key", keyId).setParameter("after", after).setParameter("limit", limit)
                .getResultList();
        return rows.stream().map(r -> new SealedRows.Row((UUID) r[0], (byte[]) r[1], (String) r[2])).toList();
    }

    /** @see SealedRows#replace(UUID, byte[], String): only the value and its key id, nothing else of the row */
    public void replace(UUID id, byte[] value, String keyId) {
        em.createNativeQuery("UPDATE %s SET sealed_tokens = :sealed, key_id = :key WHERE integration_id = :id".formatted(table))
                .unwrap(NativeQuery.class)
                .setParameter("sealed", value, StandardBasicTypes.BINARY).setParameter("key", keyId).setParameter("id", id)
                .executeUpdate();
    }

    /** @see SealedRows#countSealedWithOtherKeys(String) */
    public long countSealedWithOtherKeys(String keyId) {
        return ((Number) em.createNativeQuery("SELECT count(*) FROM %s WHERE key_id <> :key".formatted(table))
                .setParameter("key", keyId).getSingleResult()).longValue();
    }
}
