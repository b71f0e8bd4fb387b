package dev.oauthrefresher.webhook;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import dev.oauthrefresher.web.QueryParams;
import dev.oauthrefresher.access.Scope;
import dev.oauthrefresher.access.TenantKey;
import dev.oauthrefresher.access.TenantOperation;
import dev.oauthrefresher.web.Problem;
import io.quarkus.security.PermissionsAllowed;
import io.quarkus.security.identity.SecurityIdentity;
import dev.oauthrefresher.webhook.WebhookDtos.CreateEndpoint;
import dev.oauthrefresher.webhook.WebhookDtos.CreatedEndpoint;
import dev.oauthrefresher.webhook.WebhookDtos.DeliveryPage;
import dev.oauthrefresher.webhook.WebhookDtos.DeliveryView;
import dev.oauthrefresher.webhook.WebhookDtos.EndpointPage;
import dev.oauthrefresher.webhook.WebhookDtos.EndpointView;
import dev.oauthrefresher.webhook.WebhookDtos.RotatedSecret;
import dev.oauthrefresher.webhook.WebhookDtos.TestSent;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The tenant API for status webhooks ({@code Authorization: Bearer <tenant API key>} with {@code webhooks:write}):
 * the tenant is the key's, so another tenant's endpoint or delivery is a 404. A secret is shown only when it is
 * created or rotated.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "webhooks")
@SecurityRequirement(name = "bearer")
@APIResponse(responseCode = "401", description = "No valid, unrevoked tenant API key",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "403", description = "The key lacks webhooks:write",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "429", description = "The key's rate limit; see Retry-After",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class WebhookEndpointResource {

    private final WebhookEndpointService service;
    private final SecurityIdentity identity;

    WebhookEndpointResource(WebhookEndpointService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @Path("webhook-endpoints")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Scope.Codes.WEBHOOKS_WRITE)
    @TenantOperation
    @APIResponse(responseCode = "429", description = "The key's rate limit, or the tenant's operation budget (type "
            + "tenant-operation-budget, refresher.access.tenant-operations-per-second); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "201", description = "Created; the secret is shown this once")
    @APIResponse(responseCode = "400", description = "Invalid field (named in the problem): URL not https, not "
            + "public, unknown event type", content = @Content(mediaType = Problem.MEDIA_TYPE,
            schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The tenant has the most endpoints allowed",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "The token store did not take the secret, or this replica's vault "
            + "budget had no room (type vault-budget); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "createWebhookEndpoint", summary = "Add a webhook endpoint",
            description = "Registers an HTTPS receiver for the tenant's status events (integration.expired, integration.error, integration.recovered, integration.reconnected, integration.deleted, webhook.test). The answer shows the endpoint's signing secret this once (Standard Webhooks, HMAC-SHA256).")
    public Uni<RestResponse<CreatedEndpoint>> create(@Valid @NotNull CreateEndpoint body) {
        return service.create(TenantKey.of(identity).tenantId(), body).map(created -> RestResponse.ResponseBuilder
                .<CreatedEndpoint>created(URI.create("/v1/webhook-endpoints/" + created.id())).entity(created).build());
    }

    @GET
    @Path("webhook-endpoints")
    @PermissionsAllowed(Scope.Codes.WEBHOOKS_WRITE)
    @APIResponse(responseCode = "200", description = "The tenant's endpoints, without secrets",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EndpointPage.class)))
    @Operation(operationId = "listWebhookEndpoints", summary = "List webhook endpoints",
            description = "The tenant's webhook endpoints, without their secrets.")
    public EndpointPage list() {
        return service.list(TenantKey.of(identity).tenantId());
    }

    @GET
    @Path("webhook-endpoints/{id}")
    @PermissionsAllowed(Scope.Codes.WEBHOOKS_WRITE)
    @APIResponse(responseCode = "404", description = "No such endpoint for this key's tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", description = "The endpoint, without its secret",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EndpointView.class)))
    @Operation(operationId = "getWebhookEndpoint", summary = "Get a webhook endpoint",
            description = "One of the tenant's webhook endpoints, without its secret; 404 for an endpoint of another tenant.")
    public EndpointView get(@PathParam("id") UUID id) {
        return service.get(TenantKey.of(identity).tenantId(), id);
    }

    @DELETE
    @Path("webhook-endpoints/{id}")
    @PermissionsAllowed(Scope.Codes.WEBHOOKS_WRITE)
    @TenantOperation
    @APIResponse(responseCode = "429", description = "The key's rate limit, or the tenant's operation budget (type "
            + "tenant-operation-budget, refresher.access.tenant-operations-per-second); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "204", description = "Deleted, with its deliveries and its secret")
    @APIResponse(responseCode = "404", description = "No such endpoint for this key's tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "deleteWebhookEndpoint", summary = "Delete a webhook endpoint",
            description = "Deletes the endpoint with its pending and past deliveries and its secret. Idempotent.")
    public void delete(@PathParam("id") UUID id) {
        service.delete(TenantKey.of(identity).tenantId(), id);
    }

    @POST
    @Path("webhook-endpoints/{id}/rotate-secret")
    @PermissionsAllowed(Scope.Codes.WEBHOOKS_WRITE)
    @TenantOperation
    @APIResponse(responseCode = "429", description = "The key's rate limit, or the tenant's operation budget (type "
            + "tenant-operation-budget, refresher.access.tenant-operations-per-second); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", description = "The new secret; the old one signs too until previousSecretValidUntil")
    @APIResponse(responseCode = "404", description = "No such endpoint for this key's tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "rotateWebhookSecret", summary = "Rotate a webhook signing secret",
            description = "Makes a new signing secret current; deliveries are signed with both the new and the previous one until previousSecretValidUntil, so the receiver can switch without losing a message.")
    public RotatedSecret rotateSecret(@PathParam("id") UUID id) {
        return service.rotateSecret(TenantKey.of(identity).tenantId(), id);
    }

    @POST
    @Path("webhook-endpoints/{id}/test")
    @PermissionsAllowed(Scope.Codes.WEBHOOKS_WRITE)
    @APIResponse(responseCode = "202", description = "A webhook.test event is on its way")
    @APIResponse(responseCode = "404", description = "No such endpoint for this key's tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The endpoint is disabled",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "The key's rate limit, or the endpoint's test and replay budget "
            + "(refresher.webhooks.manual-send-limit); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "sendTestWebhook", summary = "Send a test event",
            description = "Queues a webhook.test event to this endpoint through the outbox, like any other event; the deliveries list shows its attempts.")
    public RestResponse<TestSent> test(@PathParam("id") UUID id) {
        TestSent sent = service.test(TenantKey.of(identity).tenantId(), id);
        return RestResponse.accepted(sent);
    }

    @GET
    @Path("webhook-endpoints/{id}/deliveries")
    @PermissionsAllowed(Scope.Codes.WEBHOOKS_WRITE)
    @APIResponse(responseCode = "400", description = "Invalid status or limit (named in the problem)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such endpoint for this key's tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", description = "A page of the endpoint's deliveries, newest first",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DeliveryPage.class)))
    @Operation(operationId = "listWebhookDeliveries", summary = "List an endpoint's deliveries",
            description = "The endpoint's deliveries, newest first, with their status, attempts and last answer; filtered by status when asked.")
    public DeliveryPage deliveries(@PathParam("id") UUID id,
            @QueryParam("status") @Pattern(regexp = "^(pending|succeeded|dead)$",
                    message = "must be one of pending, succeeded, dead") String status,
            @Parameter(description = "Deliveries per page, 1 to 1000", schema = @Schema(type = SchemaType.INTEGER, defaultValue = "100"))
            @QueryParam("limit") @DefaultValue("100") String limit) {
        return service.deliveries(TenantKey.of(identity).tenantId(), id,
                Optional.ofNullable(status).flatMap(DeliveryStatus::fromCode), QueryParams.wholeNumber("limit", limit, 1, 1000));
    }

    @POST
    @Path("webhook-deliveries/{id}/replay")
    @PermissionsAllowed(Scope.Codes.WEBHOOKS_WRITE)
    @APIResponse(responseCode = "200", description = "Pending again, with its original webhook-id")
    @APIResponse(responseCode = "404", description = "No such delivery for this key's tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "Not dead, or its endpoint is disabled",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "The key's rate limit, or the endpoint's test and replay budget "
            + "(refresher.webhooks.manual-send-limit); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "replayWebhookDelivery", summary = "Replay a delivery",
            description = "Makes a delivered or given-up delivery pending again; it keeps its original webhook-id so a receiver that deduplicates sees it as the same message.")
    public DeliveryView replay(@PathParam("id") long id) {
        return service.replay(TenantKey.of(identity).tenantId(), id);
    }
}
