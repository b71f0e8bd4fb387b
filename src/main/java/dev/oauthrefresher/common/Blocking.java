package dev.oauthrefresher.common;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.function.Supplier;

/**
 * How reactive code reaches blocking work (a database transaction): on a worker thread, never on the event loop
 * that runs the rest of the pipeline.
 */
public final class Blocking {

    private Blocking() {
    }

    /** {@code work}, run on a worker thread when the returned Uni is subscribed to. */
    public static <T> Uni<T> call(Supplier<T> work) {
        return Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** {@code work}, run on a worker thread when the returned Uni is subscribed to. */
    public static Uni<Void> run(Runnable work) {
        return call(() -> {
            work.run();
            return null;
        });
    }
}
