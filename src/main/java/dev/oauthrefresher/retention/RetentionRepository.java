package dev.oauthrefresher.retention;

import dev.oauthrefresher.common.Timestamps;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The retention job's own SQL: its advisory lock, the database's clock, and the partition maintenance of
 * {@link RetainedTable.Partitioned} tables (catalog reads and DDL, the same for any such table). The rows of each
 * table are deleted by SQL in that table's own repository. Callers own the transaction.
 */
@ApplicationScoped
class RetentionRepository {

    /**
     * The advisory lock only the retention job takes: {@code "retentio"} in ASCII, a value no other lock of this
     * service uses (it takes no other advisory lock).
     */
    static final long LOCK_KEY = 0x726574656e74696fL;

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd", Locale.ROOT);

    /** A partition and its bounds; {@code from} is null for MINVALUE, both are null for the DEFAULT partition. */
    record Partition(String name, Instant from, Instant to) {

        boolean isDefault() {
            return from == null && to == null;
        }
    }

    private final EntityManager em;

    RetentionRepository(EntityManager em) {
        this.em = em;
    }

    /**
     * Takes the job's lock for the rest of this transaction, or answers false at once if another session holds it. A
     * transaction-scoped lock is released by the commit or the rollback, even when the connection goes back to the pool
     * or dies: no pooled connection can carry it away.
     */
    boolean tryLock() {
        return (Boolean) em.createNativeQuery("SELECT pg_try_advisory_xact_lock(:key)").setParameter("key", LOCK_KEY)
                .getSingleResult();
    }

    /** The database's clock: one clock for every replica's cutoffs, whichever replica runs the pass. */
    Instant now() {
        return Timestamps.toInstant(em.createNativeQuery("SELECT now()").getSingleResult());
    }

    /** {@code parent}'s partitions with their bounds, read from the catalog. */
    @SuppressWarnings("unchecked")
    List<Partition> partitions(String parent) {
        List<Object[]> rows = em.createNativeQuery("""
                SELECT c.relname,
                       CAST((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1] AS timestamptz),
                       CAST((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1] AS timestamptz)
                  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                 WHERE i.inhparent = CAST(:parent AS regclass)
                 ORDER BY 3 NULLS LAST
                """).setParameter("parent", parent).getResultList();
        return rows.stream().map(r -> new Partition((String) r[0], Timestamps.toInstant(r[1]), Timestamps.toInstant(r[2])))
                .toList();
    }

    /**
     * Creates {@code parent}'s partition for one UTC day and attaches it. Rows of that day that landed in the default
     * partition meanwhile are moved into it first, since the attach refuses a range the default partition still holds
     * rows of; writes that would land in the default partition wait for the commit meanwhile. {@code ATTACH} (unlike
     * {@code CREATE TABLE ... PARTITION OF}) does not lock writers out of the parent.
     */
    void createDay(String parent, String column, String defaultPartition, LocalDate day) {
        String name = parent + "_p" + DAY.format(day);
        Instant from = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        em.createNativeQuery("CREATE TABLE " + name + " (LIKE " + parent + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
                .executeUpdate();
        if (defaultPartition != null) {
            // held to the commit: a row of that day written between the move and the attach would fail the attach
            em.createNativeQuery("LOCK TABLE " + defaultPartition + " IN EXCLUSIVE MODE").executeUpdate();
            em.createNativeQuery("WITH moved AS (DELETE FROM " + defaultPartition + " WHERE " + column + " >= :from AND " + column
                    + " < :to RETURNING *) "
                    + "INSERT INTO " + name + " SELECT * FROM moved")
                    .setParameter("from", Timestamps.utc(from)).setParameter("to", Timestamps.utc(to)).executeUpdate();
        }
        em.createNativeQuery("ALTER TABLE " + parent + " ATTACH PARTITION " + name + " FOR VALUES FROM ('" + from + "') TO ('"
                + to + "')").executeUpdate();
    }

    /** The planner's row count of a partition (exact after the last vacuum or analyze): a drop's rows for the metric. */
    long estimatedRows(String partition) {
        return ((Number) em.createNativeQuery("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = CAST(:p AS regclass)")
                .setParameter("p", partition).getSingleResult()).longValue();
    }

    /**
     * For the rest of this transaction, a lock not granted within {@code millis} fails the statement. Partition DDL
     * needs strong locks on the parent; waiting for one behind a long read would queue every audited call behind the
     * DDL, so it gives up instead and the next pass tries again.
     */
    void lockTimeout(long millis) {
        em.createNativeQuery("SELECT set_config('lock_timeout', :ms, true)").setParameter("ms", millis + "ms").getSingleResult();
    }

    /** Drops a partition (it takes the parent's exclusive lock for the moment of the drop). */
    void drop(String partition) {
        em.createNativeQuery("DROP TABLE " + partition).executeUpdate();
    }
}
