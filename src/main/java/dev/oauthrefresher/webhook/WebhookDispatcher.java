package dev.oauthrefresher.webhook;

import dev.oauthrefresher.common.RetryAfter;
import dev.oauthrefresher.common.Pump;
import dev.oauthrefresher.common.Traces;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.context.Context;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Sends due deliveries; runs on every replica. It claims with a lease ({@code FOR UPDATE SKIP LOCKED}), so
 * replicas share the work and no delivery is sent by two at once, and a delivery whose replica died mid-attempt
 * is sent again once the lease lapses. At most {@code refresher.webhooks.concurrency} attempts are in flight on this
 * replica, and claims leave every endpoint and every tenant within their in-flight caps (all replicas together),
 * taking tenants in turn. DNS lookups and HTTP calls never block a thread, database work runs on worker threads.
 *
 * <p>One pump at a time claims work ({@link Pump}); it runs when the poll timer fires, after a commit that
 * wrote deliveries, and whenever an attempt finishes and frees a slot.
 */
@ApplicationScoped
public class WebhookDispatcher {

    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class);
    // a delivery's span names ids only: never the receiver's URL (its query may hold the receiver's own token)
    private static final AttributeKey<Long> DELIVERY_ID = AttributeKey.longKey("refresher.webhook.delivery_id");
    private static final AttributeKey<String> ENDPOINT_ID = AttributeKey.stringKey("refresher.webhook.endpoint_id");
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("refresher.webhook.attempt");

    private final WebhookDeliveryRepository deliveries;
    private final WebhookEndpointRepository endpoints;
    private final WebhookSecrets secrets;
    private final WebhookSender sender;
    private final UrlGuard guard;
    private final WebhookMetrics metrics;
    private final WebhookConfig config;
    private final Vertx vertx;
    private final Traces traces;
    private final RetrySchedule schedule;
    private final String owner = "webhooks-" + UUID.randomUUID();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Pump pump = new Pump(this::pass);
    /** Whether the last claim failed, so an unreachable database is logged once, not at every poll. */
    private final AtomicBoolean claimFailing = new AtomicBoolean();

    WebhookDispatcher(WebhookDeliveryRepository deliveries, WebhookEndpointRepository endpoints, WebhookSecrets secrets,
            WebhookSender sender, UrlGuard guard, WebhookMetrics metrics, WebhookConfig config, Vertx vertx, Traces traces) {
        this.deliveries = deliveries;
        this.traces = traces;
        this.endpoints = endpoints;
        this.secrets = secrets;
        this.sender = sender;
        this.guard = guard;
        this.metrics = metrics;
        this.config = config;
        this.vertx = vertx;
        this.schedule = new RetrySchedule(config.retrySchedule(), config.retryJitter());
    }

    @Scheduled(every = "${refresher.webhooks.poll-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        wake();
    }

    /** Asks for a pump; if one is running it goes round once more instead. */
    void wake() {
        pump.wake();
    }

    /** One round of the pump: claims while there are free delivery slots and due deliveries. */
    private void pass() {
        try {
            int free;
            while ((free = config.concurrency() - inFlight.get()) > 0) {
                List<ClaimedDelivery> claimed = claim(free);
                if (claimed.isEmpty()) {
                    break;
                }
                claimed.forEach(this::attempt);
            }
            if (claimFailing.compareAndSet(true, false)) {
                LOG.info("Claiming webhook deliveries works again");
            }
        } catch (RuntimeException e) {
            if (claimFailing.compareAndSet(false, true)) {
                LOG.warnf("Could not claim webhook deliveries (every poll retries): %s", e.getClass().getSimpleName());
            }
        }
    }

    private List<ClaimedDelivery> claim(int limit) {
        Instant now = Instant.now();
        return QuarkusTransaction.requiringNew().call(() -> deliveries.claimDue(owner, now, now.plus(config.lease()), limit,
                config.perEndpointConcurrency(), config.perTenantConcurrency()));
    }

    /** One attempt, the host's lookup included, ends within the request timeout; no thread waits on the network. */
    private void attempt(ClaimedDelivery delivery) {
        inFlight.incrementAndGet();
        Instant started = Instant.now();
        Instant deadline = started.plus(config.requestTimeout());
        // each delivery is a trace of its own: the pump that started it belongs to no request
        traces.span("webhook.deliver", Context.root(), () -> Attributes.of(DELIVERY_ID, delivery.id(),
                        ENDPOINT_ID, delivery.endpointId().toString(), ATTEMPT, (long) delivery.attempt()),
                        span -> guard.check(delivery.url())
                                .chain(target -> send(delivery, target, deadline))
                                .onFailure(UrlGuard.Refused.class).recoverWithItem(refused -> new DeliveryResult.NoAnswer(
                                        "url refused: " + refused.getMessage()))
                                .onFailure().recoverWithItem(failure -> new DeliveryResult.NoAnswer(
                                        "not sent (" + failure.getClass().getSimpleName() + ")"))
                                .invoke(result -> Traces.tag(span, Traces.OUTCOME, outcome(result))))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .subscribe().with(result -> finish(delivery, result, started), failure -> {
                    LOG.warnf("Webhook delivery %d: outcome not recorded (%s); retried after its lease",
                            delivery.id(), failure.getClass().getSimpleName());
                    released();
                });
    }

    private static String outcome(DeliveryResult result) {
        return result instanceof DeliveryResult.Answered answered ? "http_" + answered.status() : "no_answer";
    }

    private Uni<DeliveryResult> send(ClaimedDelivery delivery, UrlGuard.Target target, Instant deadline) {
        return secrets.forDelivery(delivery).chain(secret -> {
            Instant now = Instant.now();
            long timestamp = now.getEpochSecond();
            String webhookId = WebhookPayloads.webhookId(delivery.eventId());
            Duration left = Duration.between(now, deadline);
            return sender.post(target, Map.of(
                    "webhook-id", webhookId,
                    "webhook-timestamp", Long.toString(timestamp),
                    "webhook-signature", WebhookSigner.signature(webhookId, timestamp, delivery.payload(), secret, now)),
                    delivery.payload(), Duration.ofMillis(Math.max(1, left.toMillis())));
        });
    }

    private void finish(ClaimedDelivery delivery, DeliveryResult result, Instant started) {
        try {
            QuarkusTransaction.requiringNew().run(() -> record(delivery, result));
            LOG.debugf("Webhook delivery %d attempt %d to endpoint %s: %s in %d ms", delivery.id(), delivery.attempt(),
                    delivery.endpointId(), result.describe(), Duration.between(started, Instant.now()).toMillis());
        } catch (RuntimeException e) {
            LOG.warnf("Webhook delivery %d: outcome not recorded (%s); retried after its lease", delivery.id(),
                    e.getClass().getSimpleName());
        } finally {
            released();
        }
    }

    private void released() {
        inFlight.decrementAndGet();
        wake();
    }

    private void record(ClaimedDelivery delivery, DeliveryResult result) {
        Instant now = Instant.now();
        Integer status = result instanceof DeliveryResult.Answered a ? a.status() : null;
        if (result instanceof DeliveryResult.Answered a && a.succeeded()) {
            if (deliveries.markSucceeded(delivery.id(), owner, a.status(), now)) {
                endpoints.recordSuccess(delivery.endpointId());
                metrics.attempt("succeeded");
            }
            return;
        }
        if (result instanceof DeliveryResult.Answered a && a.gone()) {
            if (deliveries.markDead(delivery.id(), owner, status, "receiver answered 410 Gone", now)) {
                metrics.attempt("dead");
                disable(delivery.endpointId(), "gone", now);
            }
            return;
        }
        Optional<Duration> retryAfter = result instanceof DeliveryResult.Answered a
                ? a.honouredRetryAfter().flatMap(header -> RetryAfter.parse(header, now))
                : Optional.empty();
        Optional<Duration> wait = schedule.afterFailure(delivery.attempt(), retryAfter, ThreadLocalRandom.current());
        boolean settled = wait.isPresent()
                ? deliveries.scheduleRetry(delivery.id(), owner, status, result.describe(), now.plus(wait.get()))
                : deliveries.markDead(delivery.id(), owner, status, result.describe() + " on the last attempt", now);
        if (!settled) {
            return;
        }
        metrics.attempt(wait.isPresent() ? "retrying" : "dead");
        wait.filter(w -> w.compareTo(config.pollInterval()) < 0).ifPresent(this::wakeAfter);
        if (wait.isEmpty()) {
            LOG.warnf("Webhook delivery %d to endpoint %s is dead after %d attempts (%s)", delivery.id(),
                    delivery.endpointId(), delivery.attempt(), result.describe());
        }
        if (endpoints.recordFailure(delivery.endpointId(), now, now.minus(config.disableAfter()))) {
            afterDisabled(delivery.endpointId(), "failing", now);
        }
    }

    /** A retry due sooner than the next poll gets a timer of its own, so short schedule steps are kept. */
    private void wakeAfter(Duration wait) {
        vertx.setTimer(Math.max(1, wait.toMillis()), timer -> wake());
    }

    private void disable(UUID endpointId, String reason, Instant now) {
        if (endpoints.disable(endpointId, reason, now)) {
            afterDisabled(endpointId, reason, now);
        }
    }

    private void afterDisabled(UUID endpointId, String reason, Instant now) {
        int killed = deliveries.killPending(endpointId, "endpoint disabled (" + reason + ")", now);
        metrics.endpointDisabled(reason);
        LOG.warnf("Webhook endpoint %s disabled (%s); %d pending deliveries marked dead", endpointId, reason, killed);
    }
}
