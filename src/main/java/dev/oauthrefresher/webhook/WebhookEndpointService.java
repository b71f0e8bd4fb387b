package dev.oauthrefresher.webhook;

import dev.oauthrefresher.audit.AuditLog;
import dev.oauthrefresher.common.Blocking;
import dev.oauthrefresher.common.RetryAfter;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import dev.oauthrefresher.tokenstore.VaultBudgetExhaustedException;
import dev.oauthrefresher.tokenstore.WebhookSecret;
import dev.oauthrefresher.webhook.WebhookDtos.CreateEndpoint;
import dev.oauthrefresher.webhook.WebhookDtos.CreatedEndpoint;
import dev.oauthrefresher.webhook.WebhookDtos.DeliveryPage;
import dev.oauthrefresher.webhook.WebhookDtos.DeliveryView;
import dev.oauthrefresher.webhook.WebhookDtos.EndpointPage;
import dev.oauthrefresher.webhook.WebhookDtos.EndpointView;
import dev.oauthrefresher.webhook.WebhookDtos.RotatedSecret;
import dev.oauthrefresher.webhook.WebhookDtos.TestSent;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * A tenant's webhook endpoints: create (cap, then the host's lookup, then the secret to the token store, then the
 * row), rotate, test, delete, and the deliveries' listing and replay; tests and replays share a per-endpoint budget.
 * Every lookup is scoped to the caller's tenant: another tenant's endpoint or delivery does not exist.
 */
@ApplicationScoped
public class WebhookEndpointService {

    private static final Logger LOG = Logger.getLogger(WebhookEndpointService.class);

    private final WebhookEndpointRepository endpoints;
    private final WebhookDeliveryRepository deliveries;
    private final WebhookOutbox outbox;
    private final WebhookDispatcher dispatcher;
    private final WebhookSecrets secrets;
    private final TokenStore store;
    private final WebhookConfig config;
    private final AuditLog audit;
    private final UrlGuard guard;

    WebhookEndpointService(WebhookEndpointRepository endpoints, WebhookDeliveryRepository deliveries, WebhookOutbox outbox,
            WebhookDispatcher dispatcher, WebhookSecrets secrets, TokenStore store, WebhookConfig config, AuditLog audit,
            UrlGuard guard) {
        this.endpoints = endpoints;
        this.deliveries = deliveries;
        this.outbox = outbox;
        this.dispatcher = dispatcher;
        this.secrets = secrets;
        this.store = store;
        this.config = config;
        this.audit = audit;
        this.guard = guard;
    }

    /**
     * The cap is checked first, then the host is looked up (asynchronously: no thread waits for DNS), then the secret
     * is stored before the row exists, so a row never points at a missing secret; if the insert fails an unreferenced
     * secret is left under a fresh random name, which is harmless. Blocking steps run on worker threads.
     */
    public Uni<CreatedEndpoint> create(String tenantId, CreateEndpoint request) {
        // the caller, read now on the request's thread: the transactions below run on worker threads
        String actor = audit.currentActor();
        UUID id = UUID.randomUUID();
        Secret secret = WebhookSigner.newSecret();
        return Blocking.call(() -> {
                    QuarkusTransaction.requiringNew().run(() -> requireRoom(tenantId));
                    return new WebhookEndpoint(id, tenantId, request.url(), request.events().stream()
                            .map(code -> WebhookEventType.fromCode(code).orElseThrow()).toList(), Instant.now());
                })
                .call(endpoint -> guard.check(endpoint.url())
                        .onFailure(UrlGuard.Refused.class).transform(refused -> ProblemException.invalidField("url",
                                refused.getMessage())))
                .call(endpoint -> tokenStore(store.saveWebhookSecret(endpoint.secretName(), WebhookSecret.of(secret)),
                        "nothing was created"))
                .chain(endpoint -> Blocking.call(() -> {
                    QuarkusTransaction.requiringNew().run(() -> {
                        requireRoom(tenantId);
                        endpoints.persist(endpoint);
                        audit.recordAs(actor, "webhook.endpoint.create", tenantId, null, "endpoint " + id);
                    });
                    EndpointView view = EndpointView.of(endpoint);
                    return new CreatedEndpoint(view.id(), view.url(), view.events(), secret.reveal(), view.enabled());
                }));
    }

    public EndpointPage list(String tenantId) {
        return QuarkusTransaction.requiringNew().call(() -> new EndpointPage(
                endpoints.listByTenant(tenantId).stream().map(EndpointView::of).toList()));
    }

    public EndpointView get(String tenantId, UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> EndpointView.of(require(tenantId, id)));
    }

    /** The row and its deliveries go first, then the secret: a secret without its row is harmless, the reverse is not. */
    public void delete(String tenantId, UUID id) {
        WebhookEndpoint deleted = QuarkusTransaction.requiringNew().call(() -> {
            WebhookEndpoint found = require(tenantId, id);
            endpoints.delete(found);
            audit.record("webhook.endpoint.delete", tenantId, null, "endpoint " + id);
            return found;
        });
        secrets.forget(id);
        try {
            store.deleteWebhookSecret(deleted.secretName()).await().atMost(store.callerWait());
        } catch (RuntimeException e) {
            LOG.warnf("Webhook endpoint %s deleted, but its secret could not be removed from the token store (%s)",
                    id, e.getClass().getSimpleName());
        }
    }

    /** A new secret; the old one keeps signing, next to it, for {@code refresher.webhooks.rotation-overlap}. */
    public RotatedSecret rotateSecret(String tenantId, UUID id) {
        WebhookEndpoint endpoint = QuarkusTransaction.requiringNew().call(() -> require(tenantId, id));
        WebhookSecret current = await(store.loadWebhookSecret(endpoint.secretName()), "the secret was not rotated")
                .orElseThrow(() -> new IllegalStateException("No signing secret stored for webhook endpoint " + id));
        Instant overlapEnd = Instant.now().plus(config.rotationOverlap());
        Secret next = WebhookSigner.newSecret();
        await(store.saveWebhookSecret(endpoint.secretName(), current.rotatedTo(next, overlapEnd)), "the secret was not rotated");
        QuarkusTransaction.requiringNew().run(() -> {
            endpoints.secretRotated(id, Instant.now());
            audit.record("webhook.endpoint.rotate-secret", tenantId, null, "endpoint " + id);
        });
        secrets.forget(id);
        return new RotatedSecret(id, next.reveal(), overlapEnd);
    }

    /** A {@code webhook.test} event to one endpoint: takes one of its manual sends, audited. */
    public TestSent test(String tenantId, UUID id) {
        UUID eventId = QuarkusTransaction.requiringNew().call(() -> {
            WebhookEndpoint endpoint = requireEnabled(tenantId, id, "");
            takeManualSend(endpoint);
            UUID event = outbox.test(endpoint);
            audit.record("webhook.endpoint.test", tenantId, null,
                    "endpoint " + id + ", " + WebhookPayloads.webhookId(event));
            return event;
        });
        return new TestSent(id, WebhookPayloads.webhookId(eventId));
    }

    public DeliveryPage deliveries(String tenantId, UUID endpointId, Optional<DeliveryStatus> status, int limit) {
        return QuarkusTransaction.requiringNew().call(() -> {
            require(tenantId, endpointId);
            return new DeliveryPage(deliveries.listForEndpoint(endpointId, status, limit).stream().map(DeliveryView::of).toList());
        });
    }

    /** A dead delivery, sent again with its original {@code webhook-id} and a fresh retry schedule. */
    public DeliveryView replay(String tenantId, long deliveryId) {
        DeliveryView replayed = QuarkusTransaction.requiringNew().call(() -> {
            var delivery = deliveries.findForTenant(tenantId, deliveryId)
                    .orElseThrow(() -> ProblemException.notFound("Webhook delivery " + deliveryId + " does not exist."));
            WebhookEndpoint endpoint = requireEnabled(tenantId, delivery.endpointId(),
                    "; create a new endpoint to receive its events");
            takeManualSend(endpoint);
            if (!deliveries.replay(deliveryId, Instant.now())) {
                throw ProblemException.conflict("Webhook delivery " + deliveryId + " is " + delivery.status()
                        + "; only a dead delivery can be replayed.");
            }
            audit.record("webhook.delivery.replay", tenantId, delivery.integrationId(), "delivery " + deliveryId);
            return DeliveryView.of(deliveries.findForTenant(tenantId, deliveryId).orElseThrow());
        });
        dispatcher.wake();
        return replayed;
    }

    private WebhookEndpoint require(String tenantId, UUID id) {
        return endpoints.findForTenant(tenantId, id)
                .orElseThrow(() -> ProblemException.notFound("Webhook endpoint " + id + " does not exist."));
    }

    private WebhookEndpoint requireEnabled(String tenantId, UUID id, String advice) {
        WebhookEndpoint endpoint = require(tenantId, id);
        if (!endpoint.enabled()) {
            throw ProblemException.conflict("Webhook endpoint " + id + " is disabled (" + endpoint.disabledReason() + ")"
                    + advice + ".");
        }
        return endpoint;
    }

    /**
     * Tests and replays draw on the endpoint's budget, shared by all replicas. The send is taken in the caller's
     * transaction, so a request refused after it (a replay of a delivery that is not dead) gives it back.
     */
    private void takeManualSend(WebhookEndpoint endpoint) {
        endpoints.takeManualSend(endpoint.id(), Instant.now(), config.manualSendLimit(), config.manualSendWindow())
                .ifPresent(wait -> {
                    long seconds = RetryAfter.seconds(wait);
                    throw new ProblemException(ProblemType.WEBHOOK_MANUAL_SEND_BUDGET,
                            "Webhook endpoint " + endpoint.id() + " has used its " + config.manualSendLimit()
                                    + " test and replay sends per " + config.manualSendWindow().toSeconds()
                                    + " s (refresher.webhooks.manual-send-limit); retry after " + seconds + " s.",
                            wait);
                });
    }

    private void requireRoom(String tenantId) {
        if (endpoints.countByTenant(tenantId) >= config.maxEndpointsPerTenant()) {
            throw ProblemException.conflict("Tenant '" + tenantId + "' already has " + config.maxEndpointsPerTenant()
                    + " webhook endpoints, the most allowed (refresher.webhooks.max-endpoints-per-tenant).");
        }
    }

    private <T> T await(Uni<T> operation, String consequence) {
        return tokenStore(operation, consequence).await().indefinitely();
    }

    /**
     * A token-store call bounded by {@link TokenStore#callerWait()}; its failure is logged with its cause (never a
     * token) and becomes a 503 saying what was not done, or 503 {@code vault-budget} if this replica's vault budget
     * refused it before anything was sent (counted, not logged).
     */
    private <T> Uni<T> tokenStore(Uni<T> operation, String consequence) {
        return operation.ifNoItem().after(store.callerWait()).fail()
                .onFailure(e -> e instanceof TokenStoreException || e instanceof io.smallrye.mutiny.TimeoutException)
                .transform(e -> {
                    if (e instanceof VaultBudgetExhaustedException busy) {
                        return ProblemException.vaultBudgetExhausted(busy.retryAfter().orElse(Duration.ZERO));
                    }
                    LOG.warnf("A webhook secret operation failed in the token store (%s): %s", consequence,
                            TokenStoreException.describe(e));
                    return ProblemException.tokenStoreUnavailable("did not answer; " + consequence);
                });
    }
}
