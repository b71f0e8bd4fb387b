package dev.oauthrefresher.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Webhook metrics. Attempt counters are this replica's; the pending-age and dead gauges are read from the
 * database on a schedule and are table-wide (aggregate with {@code max}, not {@code sum}).
 */
@ApplicationScoped
class WebhookMetrics {

    private static final Logger LOG = Logger.getLogger(WebhookMetrics.class);

    private final MeterRegistry registry;
    private final WebhookDeliveryRepository deliveries;
    private final AtomicLong oldestPendingSeconds = new AtomicLong();
    private final AtomicLong dead = new AtomicLong();

    WebhookMetrics(MeterRegistry registry, WebhookDeliveryRepository deliveries) {
        this.registry = registry;
        this.deliveries = deliveries;
        gauge("refresher.webhook.oldest.pending.seconds", "Age of the oldest pending webhook delivery (table-wide)",
                oldestPendingSeconds);
        gauge("refresher.webhook.deliveries.dead", "Webhook deliveries that exhausted their retries (table-wide)", dead);
    }

    private void gauge(String name, String description, AtomicLong value) {
        // a meter left by an earlier application instance in the same JVM (tests restart Quarkus) is replaced
        registry.find(name).meters().forEach(registry::remove);
        Gauge.builder(name, value, AtomicLong::doubleValue).description(description).strongReference(true).register(registry);
    }

    /** One attempt's outcome: {@code succeeded}, {@code retrying} or {@code dead}. */
    void attempt(String outcome) {
        Counter.builder("refresher.webhook.deliveries").description("Webhook delivery attempts by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    void endpointDisabled(String reason) {
        Counter.builder("refresher.webhook.endpoints.disabled").description("Webhook endpoints disabled, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    @Scheduled(every = "${refresher.webhooks.gauge-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void readGauges() {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                oldestPendingSeconds.set(deliveries.oldestPendingAge(Instant.now()).toSeconds());
                dead.set(deliveries.countDead());
            });
        } catch (RuntimeException e) {
            LOG.debugf("Webhook gauges not read: %s", e.getClass().getSimpleName());
        }
    }
}
