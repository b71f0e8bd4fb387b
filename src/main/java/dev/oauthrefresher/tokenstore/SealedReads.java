package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.common.GroupCommit;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The sealed layout's reads, grouped: the reads that arrive while one statement runs go into the next, one
 * {@link SealedTokens#readAll} each, so a run's burst of refreshes costs a few statements and one worker thread instead
 * of a statement, a pooled connection and a blocked worker per refresh (in the sealed soak the per-refresh read was a
 * fifth of the service's CPU, and the refreshes waiting for one of the pool's connections kept about a hundred worker
 * threads alive: BENCHMARKS.md). The first read into an idle group waits {@code refresher.token-store.sealed-read-linger}
 * for company.
 *
 * <p>Each read is opened (the key ring's AES-GCM, in memory) and answered on its caller's own thread kind: back on the
 * event loop it was asked from, where the refreshes run, or on a worker thread for a caller that was on one, which is
 * where {@code Blocking} used to answer it; never on the grouping thread, so one caller's work never delays the next
 * group.
 */
final class SealedReads {

    /** Bounds one statement's parameter array; reads beyond it go into the next statement at once. */
    private static final int MAX_PER_STATEMENT = 500;

    private record Read(UUID id, UniEmitter<? super Optional<TokenStore.Versioned>> caller, Context context) {
    }

    private final SealedTokens sealed;
    private final GroupCommit<Read> reads;

    /** Reads of {@code sealed}, the first into an idle group waiting {@code linger} for others ({@code sealed-read-linger}). */
    SealedReads(SealedTokens sealed, Duration linger) {
        this.sealed = sealed;
        this.reads = new GroupCommit<>(MAX_PER_STATEMENT, linger, this::readAll);
    }

    /** The integration's sealed tokens, or empty if none are stored; fails with a {@link TokenStoreException}. */
    Uni<Optional<TokenStore.Versioned>> load(UUID integrationId) {
        return Uni.createFrom().emitter(caller -> reads.add(
                new Read(integrationId, caller, Context.isOnEventLoopThread() ? Vertx.currentContext() : null)));
    }

    private void readAll(List<Read> batch) {
        Map<UUID, SealedTokens.Stored> found;
        try {
            found = sealed.readAll(batch.stream().map(Read::id).distinct().toList());
        } catch (RuntimeException e) {
            batch.forEach(read -> answer(read, () -> {
                throw e;
            }));
            return;
        }
        batch.forEach(read -> answer(read, () -> {
            SealedTokens.Stored stored = found.get(read.id());
            return stored == null ? Optional.empty() : Optional.of(sealed.open(read.id(), stored));
        }));
    }

    private static void answer(Read read, Supplier<Optional<TokenStore.Versioned>> result) {
        Runnable complete = () -> {
            Optional<TokenStore.Versioned> value;
            try {
                value = result.get();
            } catch (RuntimeException e) {
                read.caller().fail(e);
                return;
            }
            read.caller().complete(value);
        };
        if (read.context() != null) {
            read.context().runOnContext(ignored -> complete.run());
        } else {
            Infrastructure.getDefaultWorkerPool().execute(complete);
        }
    }
}
