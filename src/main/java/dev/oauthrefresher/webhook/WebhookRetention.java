package dev.oauthrefresher.webhook;

import dev.oauthrefresher.retention.RetainedTable;
import dev.oauthrefresher.retention.RetentionFamily;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;

/**
 * The outbox's retention ({@code refresher.retention.webhooks}): deliveries delivered or given up longer ago than the
 * setting go first, then events with no delivery left. A pending delivery, and so its event, stays however old: the
 * outbox still owes it to its receiver.
 */
final class WebhookRetention {

    private WebhookRetention() {
    }

    /** {@code webhook_delivery}: settled deliveries. */
    @ApplicationScoped
    static class Deliveries implements RetainedTable.Batched {

        private final WebhookDeliveryRepository deliveries;

        Deliveries(WebhookDeliveryRepository deliveries) {
            this.deliveries = deliveries;
        }

        @Override
        public RetentionFamily family() {
            return RetentionFamily.WEBHOOKS;
        }

        @Override
        public String table() {
            return "webhook_delivery";
        }

        @Override
        public Optional<Instant> oldest() {
            return deliveries.oldestSettled();
        }

        @Override
        public int purge(Instant cutoff, int batch) {
            return deliveries.deleteSettledBefore(cutoff, batch);
        }
    }

    /** {@code webhook_event}: events whose deliveries are all gone; after the deliveries, which refer to them. */
    @ApplicationScoped
    static class Events implements RetainedTable.Batched {

        private final WebhookDeliveryRepository deliveries;

        Events(WebhookDeliveryRepository deliveries) {
            this.deliveries = deliveries;
        }

        @Override
        public RetentionFamily family() {
            return RetentionFamily.WEBHOOKS;
        }

        @Override
        public String table() {
            return "webhook_event";
        }

        @Override
        public Optional<Instant> oldest() {
            return deliveries.oldestEventWithoutDeliveries();
        }

        @Override
        public int purge(Instant cutoff, int batch) {
            return deliveries.deleteEventsBefore(cutoff, batch);
        }

        @Override
        public int purgeOrder() {
            return 1;
        }
    }
}
