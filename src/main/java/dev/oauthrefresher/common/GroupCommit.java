package dev.oauthrefresher.common;

import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Groups writes into transactions off the event loop: items that arrive while a batch is being written go into
 * the next one, so under load many items share one commit and when idle an item is written at once. One flush
 * runs at a time (the {@code flushing} flag owns that); the batch writer completes each item's own future.
 */
public final class GroupCommit<T> {

    private final int maxPerBatch;
    private final Consumer<List<T>> writeBatch;
    private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushing = new AtomicBoolean();

    public GroupCommit(int maxPerBatch, Consumer<List<T>> writeBatch) {
        this.maxPerBatch = maxPerBatch;
        this.writeBatch = writeBatch;
    }

    public void add(T item) {
        queue.add(item);
        scheduleFlush();
    }

    private void scheduleFlush() {
        if (flushing.compareAndSet(false, true)) {
            Infrastructure.getDefaultWorkerPool().execute(this::flush);
        }
    }

    private void flush() {
        try {
            List<T> batch = new ArrayList<>();
            T next;
            while (batch.size() < maxPerBatch && (next = queue.poll()) != null) {
                batch.add(next);
            }
            if (!batch.isEmpty()) {
                writeBatch.accept(batch);
            }
        } finally {
            flushing.set(false);
        }
        if (!queue.isEmpty()) {
            scheduleFlush();
        }
    }
}
