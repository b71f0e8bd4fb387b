package dev.oauthrefresher.audit;

import dev.oauthrefresher.common.GroupCommit;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Audit rows for hot paths (token reads): each caller's row is committed before its {@link Uni} completes, but
 * rows that arrive while a commit is running share the next one, so hundreds of reads a second cost a few
 * commits, not hundreds. Idle, a row is written at once.
 */
@ApplicationScoped
public class AuditWriter {

    /**
     * A cap on one group commit, not a throughput knob (items queued behind a full batch go into the next at once):
     * it only bounds a transaction's size and lock time, so it stays a constant rather than a setting.
     */
    private static final int MAX_PER_TRANSACTION = 500;

    private record Row(String actor, String action, String tenantId, UUID integrationId, String detail,
            CompletableFuture<Void> done) {

        AuditLog.Entry entry() {
            return new AuditLog.Entry(actor, action, tenantId, integrationId, detail);
        }
    }

    private final AuditLog log;
    private final GroupCommit<Row> commits = new GroupCommit<>(MAX_PER_TRANSACTION, this::write);

    AuditWriter(AuditLog log) {
        this.log = log;
    }

    /** Completes once the row is committed; fails if it could not be. Never blocks the caller. */
    public Uni<Void> record(String actor, String action, String tenantId, UUID integrationId, String detail) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        commits.add(new Row(actor, action, tenantId, integrationId, detail, done));
        return Uni.createFrom().completionStage(done);
    }

    private void write(List<Row> batch) {
        try {
            log.recordAll(batch.stream().map(Row::entry).toList());
        } catch (RuntimeException e) {
            batch.forEach(row -> row.done().completeExceptionally(e));
            return;
        }
        batch.forEach(row -> row.done().complete(null));
    }
}
