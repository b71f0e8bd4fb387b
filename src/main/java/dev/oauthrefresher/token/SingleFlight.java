package dev.oauthrefresher.token;

import io.smallrye.mutiny.Uni;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * At most one piece of work per key in flight in this process: a caller that arrives while one runs gets that
 * one's result instead of starting a second.
 */
final class SingleFlight<K, T> {

    /** The result, and whether this caller joined work another caller started. */
    record Result<T>(T value, boolean joined) {
    }

    private final Map<K, CompletableFuture<T>> flights = new ConcurrentHashMap<>();

    Uni<Result<T>> run(K key, Supplier<Uni<T>> work) {
        CompletableFuture<T> mine = new CompletableFuture<>();
        CompletableFuture<T> running = flights.putIfAbsent(key, mine);
        if (running != null) {
            return Uni.createFrom().completionStage(running::copy).map(v -> new Result<>(v, true));
        }
        Uni.createFrom().<T>deferred(work::get).subscribe().with(
                value -> {
                    flights.remove(key, mine);
                    mine.complete(value);
                },
                failure -> {
                    flights.remove(key, mine);
                    mine.completeExceptionally(failure);
                });
        // Each caller waits on a copy: cancelling a Uni made from a CompletableFuture cancels that future, so a caller
        // that hung up would otherwise fail every other caller waiting for the same work with a CancellationException.
        return Uni.createFrom().completionStage(mine::copy).map(v -> new Result<>(v, false));
    }
}
