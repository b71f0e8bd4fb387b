package dev.oauthrefresher.lease;

import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.WriteLease;
import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A held lease on one row, renewed by {@link LeaseKeeper} from the moment {@link Leases} hands it out until its holder
 * {@link #close closes} it (the outcome is recorded, the row is released, or the holder gives up). Closing stops the
 * renewal only: the row's lease in the database ends with the guarded write that settles it, or lapses.
 */
public final class Lease implements AutoCloseable {

    /** What the holder knows of its lease, without asking the database. */
    public enum Standing {
        /** Held, and renewed recently. */
        HELD,
        /**
         * Held as far as this process knows, but not renewed for longer than the lease minus a renewal interval
         * (the database did not answer, or this process was paused): it may lapse any moment, so wait for a renewal.
         */
        STALE,
        /** Not this holder's any more: closed, released, taken by someone else, or the row deleted. */
        GONE
    }

    private final UUID id;
    private final LeaseOwner owner;
    private final LeaseKeeper keeper;
    private final SecretRef where;
    private volatile Instant until;

    /** A lease whose row's secret this process does not know: every fence asks the database. */
    Lease(UUID id, LeaseOwner owner, Instant until, LeaseKeeper keeper) {
        this(id, owner, until, null, keeper);
    }

    /** A lease on a row whose secret the claim read ({@code where}), which no one can move while the lease holds. */
    Lease(UUID id, LeaseOwner owner, Instant until, SecretRef where, LeaseKeeper keeper) {
        this.id = id;
        this.owner = owner;
        this.until = until;
        this.where = where;
        this.keeper = keeper;
    }

    public UUID id() {
        return id;
    }

    public LeaseOwner owner() {
        return owner;
    }

    /** The owner as the row stores it, for the guarded statements that settle the row. */
    public String ownerValue() {
        return owner.toString();
    }

    /** When the lease ends as this process last wrote it and the database confirmed it (claim or renewal). */
    public Instant until() {
        return until;
    }

    /** Where the row's tokens were when it was claimed; null when the claim did not read the row. */
    SecretRef where() {
        return where;
    }

    void extendTo(Instant next) {
        until = next;
    }

    public Standing standing(Instant now) {
        return keeper.standing(this, now);
    }

    /**
     * The fence before a token-store write, blocking: proves in the database that this lease still holds the row and
     * extends it to a whole lease; returns where the row's tokens are now, or empty if the row is lost, and then the
     * caller writes nothing. Fails if the database does not answer: who cannot prove it holds the row writes nothing.
     */
    public Optional<SecretRef> fence() {
        return keeper.fence(this);
    }

    /**
     * {@link #fence} for reactive callers (a run's refreshes, on-demand ones): answered without a statement while this
     * process knows the answer (see {@link LeaseKeeper#fenceAsync}); otherwise fences that arrive together share one.
     */
    public Uni<Optional<SecretRef>> fenceAsync() {
        return keeper.fenceAsync(this);
    }

    /**
     * The fence of {@link #fenceAsync} when this process can answer it without a statement: where the row's tokens
     * are; empty means only that the database must be asked ({@link #fenceAsync}), not that the lease is gone.
     */
    public Optional<SecretRef> provenHere() {
        return keeper.provenHere(this);
    }

    /**
     * Who writes under this lease and until when a write may be sent, for a token-store write after the fence: the
     * deadline is asked again before every request, so the keeper's renewals move it on while this process runs.
     */
    public WriteLease forWrite() {
        return new WriteLease(ownerValue(), () -> keeper.sendBy(this));
    }

    /** Stops renewing; idempotent. */
    @Override
    public void close() {
        keeper.untrack(this);
    }

    @Override
    public String toString() {
        return "Lease[" + id + " by " + owner + "]";
    }
}
