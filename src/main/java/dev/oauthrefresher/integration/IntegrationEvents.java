package dev.oauthrefresher.integration;

import dev.oauthrefresher.webhook.StatusChange;
import dev.oauthrefresher.webhook.WebhookEventType;
import dev.oauthrefresher.webhook.WebhookOutbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.UUID;

/**
 * Turns an integration's status change into its webhook event, inside the transaction of the guarded update that
 * made it. The row is read back after that update, which still holds its lock, so the event carries exactly the
 * status and status version the change produced.
 */
@ApplicationScoped
public class IntegrationEvents {

    private final EntityManager em;
    private final WebhookOutbox outbox;

    IntegrationEvents(EntityManager em, WebhookOutbox outbox) {
        this.em = em;
        this.outbox = outbox;
    }

    /** The integration left {@code previous}: expired, error, or recovered, whichever its new status says. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void statusChanged(UUID id, IntegrationStatus previous) {
        Integration row = current(id);
        WebhookEventType type = switch (row.status()) {
            case EXPIRED -> WebhookEventType.INTEGRATION_EXPIRED;
            case ERROR -> WebhookEventType.INTEGRATION_ERROR;
            case ACTIVE -> WebhookEventType.INTEGRATION_RECOVERED;
        };
        outbox.record(change(type, row, previous.code(), row.status().code(), row.statusVersion()));
    }

    /** New tokens from the user's consent brought the integration back to active from {@code previous}. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void reconnected(UUID id, IntegrationStatus previous) {
        Integration row = current(id);
        outbox.record(change(WebhookEventType.INTEGRATION_RECONNECTED, row, previous.code(), row.status().code(),
                row.statusVersion()));
    }

    /** The user's consent through the hosted flow created the integration: its tokens are stored, it is active. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void connected(UUID id) {
        Integration row = current(id);
        outbox.record(change(WebhookEventType.INTEGRATION_CONNECTED, row, null, row.status().code(), row.statusVersion()));
    }

    /** The integration is being disconnected: call before its row goes. The event's status version is the next one. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void deleted(UUID id) {
        Integration row = current(id);
        outbox.record(change(WebhookEventType.INTEGRATION_DELETED, row, row.status().code(), "deleted",
                row.statusVersion() + 1));
    }

    private Integration current(UUID id) {
        Integration row = em.find(Integration.class, id);
        if (row == null) {
            throw new IllegalStateException("Integration " + id + " vanished inside its own status change");
        }
        em.refresh(row);
        return row;
    }

    private static StatusChange change(WebhookEventType type, Integration row, String previous, String status,
            long statusVersion) {
        boolean failure = type == WebhookEventType.INTEGRATION_EXPIRED || type == WebhookEventType.INTEGRATION_ERROR;
        return new StatusChange(type, row.tenantId(), row.id(), row.provider().code(), row.providerGroup(),
                row.externalAccount(), previous, status, statusVersion,
                failure ? row.lastErrorCode() : null, failure ? row.lastErrorMessage() : null,
                row.firstFailureAt(), row.lastAttemptAt());
    }
}
