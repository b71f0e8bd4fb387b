package dev.oauthrefresher.refresh.run;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Runs submitted tasks one at a time, in submission order, each seeing everything the previous ones did. The
 * thread that submits to an idle executor runs the tasks itself, on the spot, until none is left; a thread
 * that submits while another is at it only enqueues. So a callback never waits for a lock and never nests
 * inside another task: a task submitted from within a task runs after it.
 *
 * <p>The tasks must not block: they run on whatever thread submitted, event-loop threads included.
 */
final class SerialExecutor implements Executor {

    private static final Logger LOG = Logger.getLogger(SerialExecutor.class);

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (pending.getAndIncrement() != 0) {
            return;
        }
        do {
            try {
                tasks.poll().run();
            } catch (RuntimeException e) {
                // One broken task must not stop the ones queued behind it.
                LOG.errorf(e, "A serialized task failed");
            }
        } while (pending.decrementAndGet() != 0);
    }
}
