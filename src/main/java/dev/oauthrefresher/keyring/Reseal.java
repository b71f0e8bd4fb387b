package dev.oauthrefresher.keyring;

import io.quarkus.arc.All;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Moves rows sealed with older keys to the current one, so an old key can be retired without downtime. One batch per
 * transaction, under a transaction-scoped advisory lock (one replica re-seals at a time; a replica that finds the lock
 * taken leaves the run to the holder); each batch takes its rows {@code FOR UPDATE SKIP LOCKED}, so it never waits on a
 * row a refresh or a revocation is writing, re-seals them in memory (no remote call under the lock) and records in
 * {@code keyring_reseal} where the next batch starts, so a restart resumes there. A row no key of the ring opens is
 * skipped and logged (its id and key id, never its value) and met again on the next pass.
 */
@ApplicationScoped
public class Reseal {

    private static final Logger LOG = Logger.getLogger(Reseal.class);
    private static final UUID FIRST = new UUID(0, 0);

    /** How one batch ended. */
    enum Batch {
        /** A full batch: more rows may follow. */
        FULL,
        /** Fewer rows than a batch: this pass over the table is complete. */
        DONE,
        /** Another replica holds the job's lock. */
        LOCKED
    }

    private final KeyRing ring;
    private final List<SealedRows> tables;
    private final ResealRepository progress;
    private final KeyRingMetrics metrics;
    private final KeyRingConfig config;

    Reseal(KeyRing ring, @All List<SealedRows> tables, ResealRepository progress, KeyRingMetrics metrics, KeyRingConfig config) {
        this.ring = ring;
        this.tables = tables;
        this.progress = progress;
        this.metrics = metrics;
        this.config = config;
    }

    @Scheduled(every = "${refresher.keyring.reseal.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            run();
        } catch (RuntimeException e) {
            LOG.warnf("Re-sealing rows under the current key failed this time (every interval retries): %s",
                    e.getClass().getSimpleName());
        }
    }

    /** Every table, batch after batch, until each pass is complete or another replica holds the job; then the gauges. */
    public void run() {
        for (SealedRows rows : tables) {
            Batch batch;
            do {
                batch = batch(rows, config.reseal().batchSize());
            } while (batch == Batch.FULL);
            if (batch == Batch.LOCKED) {
                break;
            }
        }
        String current = ring.currentKeyId();
        for (SealedRows rows : tables) {
            metrics.oldKeyRows(rows.table(), QuarkusTransaction.requiringNew().call(() -> rows.countSealedWithOtherKeys(current)));
        }
    }

    /** One batch of at most {@code limit} rows of {@code rows}, in a transaction of its own. */
    Batch batch(SealedRows rows, int limit) {
        String target = ring.currentKeyId();
        int[] counts = new int[1];
        List<SealedRows.Row> skipped = new java.util.ArrayList<>();
        Batch outcome = QuarkusTransaction.requiringNew().call(() -> {
            if (!progress.tryLock()) {
                return Batch.LOCKED;
            }
            List<SealedRows.Row> batch = rows.sealedWithOtherKeys(target, progress.after(rows.table(), target).orElse(FIRST), limit);
            for (SealedRows.Row row : batch) {
                try {
                    KeyRing.Sealed sealed = ring.reseal(row.id(), row.value());
                    rows.replace(row.id(), sealed.value(), sealed.keyId());
                    counts[0]++;
                } catch (SealedValueException e) {
                    skipped.add(row);
                }
            }
            boolean full = batch.size() == limit;
            progress.save(rows.table(), target, full ? batch.get(batch.size() - 1).id() : null, counts[0], skipped.size());
            return full ? Batch.FULL : Batch.DONE;
        });
        if (!skipped.isEmpty()) {
            // one line per batch, not per row: a retired key's rows would otherwise log a line each at every interval
            SealedRows.Row first = skipped.get(0);
            LOG.warnf("%d %s row(s) not re-sealed: no key of the ring opens them (the first: %s, key %s)", skipped.size(),
                    rows.table(), first.id(), ring.displayName(first.keyId()));
        }
        if (counts[0] > 0) {
            metrics.resealed(rows.table(), counts[0]);
            LOG.infof("Re-sealed %d %s row(s) under key %s", counts[0], rows.table(), ring.displayName(target));
        }
        return outcome;
    }
}
