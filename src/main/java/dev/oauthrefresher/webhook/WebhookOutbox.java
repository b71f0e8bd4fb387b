package dev.oauthrefresher.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.UUID;

/**
 * The transactional outbox: an event and its deliveries are written in the caller's transaction, the one that
 * made the status change, so either both commit or neither does. After the commit the local dispatcher is woken,
 * so a quiet system delivers at once instead of at the next poll.
 */
@ApplicationScoped
public class WebhookOutbox {

    private final WebhookDeliveryRepository deliveries;
    private final ObjectMapper json;
    private final TransactionSynchronizationRegistry transactions;
    private final WebhookDispatcher dispatcher;
    private final RetrySchedule schedule;

    WebhookOutbox(WebhookDeliveryRepository deliveries, ObjectMapper json, TransactionSynchronizationRegistry transactions,
            WebhookDispatcher dispatcher, WebhookConfig config) {
        this.deliveries = deliveries;
        this.json = json;
        this.transactions = transactions;
        this.dispatcher = dispatcher;
        this.schedule = new RetrySchedule(config.retrySchedule(), config.retryJitter());
    }

    /** Records a status change; every enabled endpoint of the tenant subscribed to its type gets a delivery. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(StatusChange change) {
        UUID eventId = UUID.randomUUID();
        Instant now = Instant.now();
        deliveries.insertEvent(eventId, change.tenantId(), change.integrationId(), change.type(), change.statusVersion(),
                WebhookPayloads.of(json, eventId, change, now), now);
        if (deliveries.fanOut(eventId, change.tenantId(), change.integrationId(), change.type(), now, now.plus(schedule.first())) > 0) {
            wakeAfterCommit();
        }
    }

    /** A {@code webhook.test} event for one endpoint, whatever it subscribed to. */
    @Transactional(Transactional.TxType.MANDATORY)
    UUID test(WebhookEndpoint endpoint) {
        UUID eventId = UUID.randomUUID();
        Instant now = Instant.now();
        deliveries.insertEvent(eventId, endpoint.tenantId(), null, WebhookEventType.WEBHOOK_TEST, null,
                WebhookPayloads.test(json, eventId, endpoint.tenantId(), endpoint.id(), now), now);
        deliveries.insertFor(eventId, endpoint.id(), now, now.plus(schedule.first()));
        wakeAfterCommit();
        return eventId;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    void wakeAfterCommit() {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    dispatcher.wake();
                }
            }
        });
    }
}
