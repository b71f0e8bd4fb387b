package dev.oauthrefresher.common;

import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a pass on the worker pool whenever asked ({@link #wake}: a poll timer, a commit that queued work), one pass at a
 * time; asks that arrive while a pass runs make it go round once more rather than start a second one. The webhook
 * dispatcher and the revocation worker each own one; the pass catches and logs its own failures.
 */
public final class Pump {

    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean wanted = new AtomicBoolean();
    private final Runnable pass;

    public Pump(Runnable pass) {
        this.pass = pass;
    }

    /** Asks for a pass; if one is running it goes round once more instead. */
    public void wake() {
        wanted.set(true);
        if (running.compareAndSet(false, true)) {
            Infrastructure.getDefaultWorkerPool().execute(this::drain);
        }
    }

    private void drain() {
        try {
            while (wanted.getAndSet(false)) {
                pass.run();
            }
        } finally {
            running.set(false);
        }
        // an ask that came after the last check but before running was cleared found the pump busy: take it now
        if (wanted.get()) {
            wake();
        }
    }
}
