package dev.oauthrefresher.common;

import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Groups blocking statements off the event loop (writes into one transaction, reads into one query): items that arrive
 * while a batch is being handled go into the next one, so under load many items share one round trip and when idle an
 * item is handled at once (or after its linger, when it has one). One flush runs at a time (the {@code flushing} flag
 * owns that); the batch handler completes each item's own future.
 */
public final class GroupCommit<T> {

    /**
     * Batches this large already share their round trip well: while the recent ones average this many items, the group
     * is busy enough to fill the next without waiting, and a linger would only delay work whose callers cap how much may
     * be outstanding (a run counts its unwritten outcomes against its concurrency, and at zero provider latency a
     * linger after each claimed batch's last, small commit cost 6-12 % of the throughput, BENCHMARKS.md). An average,
     * halved by each batch, so one small batch at the tail of a burst does not bring the linger back.
     */
    static final int BUSY_BATCH = 16;

    private final int maxPerBatch;
    private final long lingerNanos;
    private final Consumer<List<T>> writeBatch;
    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushing = new AtomicBoolean();
    /** The recent batches' size, each batch averaged in with half the weight; written by the one running flush. */
    private volatile int recentBatchSize;

    public GroupCommit(int maxPerBatch, Consumer<List<T>> writeBatch) {
        this(maxPerBatch, Duration.ZERO, writeBatch);
    }

    /**
     * A group whose first item into an idle group waits up to {@code linger} for company, as PostgreSQL's
     * {@code commit_delay} does: for work nobody waits on item by item (a run's outcomes, its refreshes' reads), whose
     * items otherwise arrive a few per millisecond and pay a round trip, a worker's wake-up and a commit each. Items that
     * queue while a batch is handled never wait more: the next batch starts as soon as the last one ends; nor does any item
     * while the recent batches average {@link #BUSY_BATCH} or more.
     */
    public GroupCommit(int maxPerBatch, Duration linger, Consumer<List<T>> writeBatch) {
        this.maxPerBatch = maxPerBatch;
        this.lingerNanos = linger.toNanos();
        this.writeBatch = writeBatch;
    }

    public void add(T item) {
        queue.add(item);
        scheduleFlush(recentBatchSize < BUSY_BATCH ? lingerNanos : 0);
    }

    private void scheduleFlush(long delayNanos) {
        if (flushing.compareAndSet(false, true)) {
            if (delayNanos > 0) {
                // Quarkus runs a scheduled task on a timer's thread (an event loop), where a transaction may not block
                Infrastructure.getDefaultWorkerPool().schedule(() -> Infrastructure.getDefaultWorkerPool().execute(this::flush),
                        delayNanos, TimeUnit.NANOSECONDS);
            } else {
                Infrastructure.getDefaultWorkerPool().execute(this::flush);
            }
        }
    }

    private void flush() {
        try {
            List<T> batch = new ArrayList<>();
            T next;
            while (batch.size() < maxPerBatch && (next = queue.poll()) != null) {
                batch.add(next);
            }
            recentBatchSize = (recentBatchSize + batch.size()) / 2;
            if (!batch.isEmpty()) {
                writeBatch.accept(batch);
            }
        } finally {
            flushing.set(false);
        }
        if (!queue.isEmpty()) {
            scheduleFlush(0);
        }
    }
}
