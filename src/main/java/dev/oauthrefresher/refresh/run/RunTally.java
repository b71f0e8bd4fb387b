package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.refresh.RunCircuits;
import dev.oauthrefresher.refresh.attempt.Outcome;
import dev.oauthrefresher.refresh.attempt.OutcomeWriter;
import dev.oauthrefresher.cron.TaskResult;
import dev.oauthrefresher.integration.IntegrationStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run did, counted from the {@link Outcome} of each row and what its write changed. Every case of the
 * sealed type is handled here and nowhere else.
 *
 * <p>Not thread-safe: it belongs to one {@link RefreshRun} and is touched only on that run's serial context.
 */
final class RunTally {

    private int claimed;
    private int refreshed;
    private int expired;
    private int errored;
    private int deferred;
    private int skipped;
    private int transientFailures;
    private int tokenStoreFailures;
    private int rotationsPending;
    private int lostLeases;
    private int unrecorded;

    void claimed(int rows) {
        claimed += rows;
    }

    int claimed() {
        return claimed;
    }

    /** Rows claimed but never started (the run stopped taking work): released, still due. */
    void skipped(int rows) {
        skipped += rows;
    }

    /** An outcome whose write could not be recorded at all; its lease lapses and it is retried. */
    void unrecorded() {
        unrecorded++;
    }

    /** A settled row: {@code written} says whether the guarded update applied and the status it left. */
    void settled(Outcome outcome, OutcomeWriter.Written written) {
        if (!written.applied()) {
            lostLeases++;
        } else if (outcome instanceof Outcome.Refreshed) {
            refreshed++;
        } else if (outcome instanceof Outcome.Expired) {
            expired++;
        } else if (outcome instanceof Outcome.Errored) {
            errored++;
        } else if (outcome instanceof Outcome.Failed) {
            transientFailures++;
            if (written.status() == IntegrationStatus.ERROR) {
                errored++;
            } else {
                deferred++;
            }
        } else if (outcome instanceof Outcome.Deferred d) {
            deferred++;
            if (d.cause().tokenStore()) {
                tokenStoreFailures++;
            }
        } else if (outcome instanceof Outcome.RotationPending) {
            deferred++;
            tokenStoreFailures++;
            rotationsPending++;
        } else {
            throw new IllegalStateException("Unhandled outcome " + outcome.getClass().getSimpleName());
        }
    }

    TaskResult result(long remaining, RunCircuits circuits) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("transientFailures", transientFailures);
        details.put("tokenStoreFailures", tokenStoreFailures);
        details.put("rotationsPending", rotationsPending);
        details.put("rejectedProviderGroups", circuits.rejectedGroups());
        details.put("openProviderCircuits", circuits.openProviders());
        details.put("lostLeases", lostLeases);
        details.put("unrecordedOutcomes", unrecorded);
        return new TaskResult(claimed, refreshed, expired, errored, deferred, skipped, remaining, details);
    }
}
