package dev.oauthrefresher.drain;

import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Whether this process is shutting down, and the work it must still finish. Work that must not be cut short (a
 * triggered run until it is recorded, a leased row's refresh) enters ({@link #tryEnter}, {@link #enter}) and closes
 * its {@link Ticket} when done; a graceful shutdown {@link #begin begins} the drain (readiness goes DOWN, triggers get
 * 503) and {@link #awaitIdle waits} for the tickets. Knows nothing of what the work is.
 *
 * <p>Entering and beginning take the same lock, so a new run is either counted before the drain begins (and waited
 * for) or refused: checking {@link #isDraining()} and entering later left a window in which a run could start unseen
 * by a drain that had already found nothing to wait for.
 */
@Singleton
public class Drain {

    private final AtomicBoolean draining = new AtomicBoolean();
    // guards active; a reader sees the whole protocol in enter/exit/awaitIdle
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int active;

    /** One piece of work in progress; close it once, when the work is done. */
    public final class Ticket implements AutoCloseable {
        private final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                exit();
            }
        }
    }

    public boolean isDraining() {
        return draining.get();
    }

    /** Starts the drain; true the first time. No work enters after it. */
    public boolean begin() {
        lock.lock();
        try {
            return draining.compareAndSet(false, true);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A ticket for work already committed to (a leased row's refresh): counted even while draining, so a drain still
     * waiting waits for it too.
     */
    public Ticket enter() {
        return admit(true).orElseThrow();
    }

    /** A ticket for new work the drain must wait for; empty once the drain has begun (the work must not start). */
    public Optional<Ticket> tryEnter() {
        return admit(false);
    }

    private Optional<Ticket> admit(boolean evenWhileDraining) {
        lock.lock();
        try {
            if (!evenWhileDraining && draining.get()) {
                return Optional.empty();
            }
            active++;
        } finally {
            lock.unlock();
        }
        return Optional.of(new Ticket());
    }

    /** Work still in progress. */
    public int active() {
        lock.lock();
        try {
            return active;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no work is in progress or {@code limit} passed; true if everything finished. */
    public boolean awaitIdle(Duration limit) throws InterruptedException {
        long left = limit.toNanos();
        lock.lock();
        try {
            while (active > 0) {
                if (left <= 0) {
                    return false;
                }
                left = idle.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void exit() {
        lock.lock();
        try {
            active--;
            if (active == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }
}
