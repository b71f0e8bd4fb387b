package dev.oauthrefresher.integration.lifecycle;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import dev.oauthrefresher.web.QueryParams;
import dev.oauthrefresher.integration.IntegrationDtos;
import dev.oauthrefresher.integration.IntegrationStatus;
import dev.oauthrefresher.provider.Provider;
import dev.oauthrefresher.access.Scope;
import dev.oauthrefresher.access.TenantKey;
import dev.oauthrefresher.access.TenantOperation;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationPage;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationView;
import dev.oauthrefresher.integration.IntegrationDtos.ReconnectIntegration;
import dev.oauthrefresher.integration.IntegrationDtos.RegisterIntegration;
import dev.oauthrefresher.web.Problem;
import io.quarkus.security.PermissionsAllowed;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
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
 * The tenant API for integrations ({@code Authorization: Bearer <tenant API key>}): the tenant is the key's, so
 * another tenant's integration is a 404. Responses never contain a token.
 */
@Path("/v1/integrations")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "tenant-integrations")
@SecurityRequirement(name = "bearer")
@APIResponse(responseCode = "401", description = "No valid, unrevoked tenant API key",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "403", description = "The key lacks the scope named in the detail",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "429", description = "The key's rate limit; see Retry-After",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class TenantIntegrationResource {

    private final IntegrationService service;
    private final SecurityIdentity identity;

    TenantIntegrationResource(IntegrationService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Scope.Codes.INTEGRATIONS_WRITE)
    @TenantOperation
    @APIResponse(responseCode = "429", description = "The key's rate limit, or the tenant's operation budget (type "
            + "tenant-operation-budget, refresher.access.tenant-operations-per-second); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "201", description = "Registered")
    @APIResponse(responseCode = "400", description = "Invalid field (named in the problem)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "This tenant already has the account for this provider",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "The token store did not take the tokens, or this replica's vault "
            + "budget had no room (type vault-budget); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "registerIntegration", summary = "Register an integration",
            description = "Stores a user's tokens for a provider group (in the token store first, then the row) and starts refreshing them before they expire. The answer never contains a token.")
    public Uni<RestResponse<IntegrationView>> register(@Valid @NotNull RegisterIntegration body) {
        return service.register(TenantKey.of(identity).tenantId(), body)
                .map(created -> RestResponse.ResponseBuilder.<IntegrationView>created(
                        URI.create("/v1/integrations/" + created.id())).entity(created).build());
    }

    @GET
    @PermissionsAllowed(Scope.Codes.INTEGRATIONS_READ)
    @APIResponse(responseCode = "400", description = "Invalid filter or paging (named in the problem)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", description = "A page of the tenant's integrations and the total that match",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = IntegrationPage.class)))
    @Operation(operationId = "listIntegrations", summary = "List integrations",
            description = "The tenant's integrations, filtered by status and provider, in pages.")
    public IntegrationPage list(@QueryParam("status") @Pattern(regexp = "^(active|expired|error)$",
                    message = "must be one of active, expired, error") String status,
            @QueryParam("provider") @Pattern(regexp = "^(google|microsoft|oauth2)$",
                    message = "must be one of google, microsoft, oauth2") String provider,
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, defaultValue = "0")) @QueryParam("offset") @DefaultValue("0") String offset,
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, defaultValue = "100")) @QueryParam("limit") @DefaultValue("100") String limit) {
        return service.list(TenantKey.of(identity).tenantId(),
                Optional.ofNullable(status).map(IntegrationStatus::fromCode),
                Optional.ofNullable(provider).map(Provider::fromCode),
                QueryParams.wholeNumber("offset", offset, 0, Integer.MAX_VALUE), QueryParams.wholeNumber("limit", limit, 1, 1000));
    }

    @GET
    @Path("{id}")
    @PermissionsAllowed(Scope.Codes.INTEGRATIONS_READ)
    @APIResponse(responseCode = "404", description = "No such integration for this key's tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", description = "The integration; never a token",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = IntegrationView.class)))
    @Operation(operationId = "getIntegration", summary = "Get an integration",
            description = "One of the tenant's integrations: status, expiry and refresh bookkeeping; never a token.")
    public IntegrationView get(@PathParam("id") UUID id) {
        return service.read(TenantKey.of(identity).tenantId(), id);
    }

    @PUT
    @Path("{id}/tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Scope.Codes.INTEGRATIONS_WRITE)
    @TenantOperation
    @APIResponse(responseCode = "429", description = "The key's rate limit, or the tenant's operation budget (type "
            + "tenant-operation-budget, refresher.access.tenant-operations-per-second); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", description = "Reconnected: active, failures and backoff reset")
    @APIResponse(responseCode = "400", description = "Invalid field (named in the problem)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such integration for this key's tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "A rotated refresh token of the old grant is still pending under a "
            + "live replica's lease (type rotation-pending); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "Being refreshed, the token store refused, or this replica's vault "
            + "budget had no room (type vault-budget); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "reconnectIntegration", summary = "Reconnect an integration",
            description = "Replaces an integration's tokens with a new grant (after the user consented again) and makes it active, its failures and backoff reset.")
    public IntegrationView reconnect(@PathParam("id") UUID id,
            @Valid @NotNull ReconnectIntegration body) {
        return service.reconnect(TenantKey.of(identity).tenantId(), id, body);
    }

    @DELETE
    @Path("{id}")
    @PermissionsAllowed(Scope.Codes.INTEGRATIONS_WRITE)
    @TenantOperation
    @APIResponse(responseCode = "429", description = "The key's rate limit, or the tenant's operation budget (type "
            + "tenant-operation-budget, refresher.access.tenant-operations-per-second); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "204", description = "Disconnected (or already was): tokens deleted from the store")
    @APIResponse(responseCode = "404", description = "No such integration for this key's tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "A rotated refresh token is still pending under a live replica's "
            + "lease (type rotation-pending); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "Being refreshed, the token store refused, or this replica's vault "
            + "budget had no room (type vault-budget); see Retry-After",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "disconnectIntegration", summary = "Disconnect an integration",
            description = "Deletes the integration and its tokens from the store; where the provider group has a revocation endpoint, the grant is revoked there afterwards. Idempotent.")
    public void disconnect(@PathParam("id") UUID id) {
        service.disconnect(TenantKey.of(identity).tenantId(), id);
    }
}
