package dev.oauthrefresher.audit;

import dev.oauthrefresher.retention.RetainedTable;
import dev.oauthrefresher.retention.RetentionFamily;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code audit_event} is partitioned by day on {@code at} (V14): the retention job drops a day once its newest row is
 * past {@code refresher.retention.audit}, so purging a day of token reads costs one {@code DROP TABLE}, not millions
 * of deletes.
 */
@ApplicationScoped
class AuditRetention implements RetainedTable.Partitioned {

    private final AuditTrail trail;

    AuditRetention(AuditTrail trail) {
        this.trail = trail;
    }

    @Override
    public RetentionFamily family() {
        return RetentionFamily.AUDIT;
    }

    @Override
    public String table() {
        return "audit_event";
    }

    @Override
    public String column() {
        return "at";
    }

    @Override
    public Optional<Instant> oldest() {
        return trail.oldest();
    }

    /** A partition holds a day: a shorter setting could not be kept to. */
    @Override
    public Duration minimumRetention() {
        return Duration.ofDays(1);
    }
}
