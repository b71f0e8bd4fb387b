package dev.oauthrefresher.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A table whose rows the retention job forgets once they are older than their family's setting. The capability that
 * owns the table implements this beside its repository, so the table's SQL, and the rule of which rows are still
 * needed, stay with the table (STYLE rule 12); {@code retention/} owns the settings, the schedule, the lock, the
 * batching and the metrics. Every method runs in the job's transaction.
 *
 * <p>A table is purged in one of two ways: {@link Batched} deletes bounded batches of rows; {@link Partitioned} is
 * partitioned by day on its time column, and the job creates its partitions ahead and drops them behind.
 */
public interface RetainedTable {

    RetentionFamily family();

    /** The table's name: the {@code table} tag of the retention metrics. */
    String table();

    /**
     * The time, in the column the retention is measured on, of the oldest row that the purge would delete once it is
     * old enough (rows kept for a reason of their own, such as a webhook delivery still pending, are left out): what
     * the {@code refresher_retention_oldest_seconds} gauge and its alert compare with the setting.
     */
    Optional<Instant> oldest();

    /**
     * The shortest retention under which no row could be deleted while something still needs it (a replay window, a
     * live replica's heartbeat): a setting below it fails startup. Zero where the rows' own SQL guards them.
     */
    default Duration minimumRetention() {
        return Duration.ZERO;
    }

    /** Purged by deleting bounded batches of rows. */
    interface Batched extends RetainedTable {

        /**
         * Deletes at most {@code batch} rows older than {@code cutoff} (by the database's clock) that nothing needs any
         * more, and returns how many it deleted: fewer than {@code batch} means nothing older is left.
         */
        int purge(Instant cutoff, int batch);

        /**
         * Tables of one family are purged in this order, lowest first: a table whose rows others refer to goes after
         * them.
         */
        default int purgeOrder() {
            return 0;
        }
    }

    /**
     * Partitioned by range on its time column, one partition per UTC day named {@code <table>_pYYYYMMDD} beside any
     * partitions an upgrade attached (the job reads every partition's bounds from the catalog) and a {@code DEFAULT}
     * partition. The job creates partitions ahead and drops those whose newest possible row is past the cutoff.
     */
    interface Partitioned extends RetainedTable {

        /** The {@code timestamptz} column it is partitioned on. */
        String column();
    }
}
