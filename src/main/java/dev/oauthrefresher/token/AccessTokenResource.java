package dev.oauthrefresher.token;

import dev.oauthrefresher.access.Scope;
import dev.oauthrefresher.access.TenantKey;
import dev.oauthrefresher.token.AccessTokenDtos.AccessTokenRequest;
import dev.oauthrefresher.token.AccessTokenDtos.AccessTokenResponse;
import dev.oauthrefresher.web.Problem;
import io.quarkus.security.PermissionsAllowed;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/** Tenant API: a usable access token for one integration, refreshed first if needed. Never the refresh token. */
@Path("/v1/integrations/{id}/access-token")
@Tag(name = "tenant-integrations")
@SecurityRequirement(name = "bearer")
public class AccessTokenResource {

    private final AccessTokenService service;
    private final SecurityIdentity identity;

    AccessTokenResource(AccessTokenService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Scope.Codes.TOKENS_READ)
    @APIResponse(responseCode = "200", description = "The token (Cache-Control: no-store)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AccessTokenResponse.class)))
    @APIResponse(responseCode = "400", description = "Invalid minValidSeconds",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "401", description = "No valid, unrevoked tenant API key (a revocation on any replica "
            + "is honoured on the next request)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "403", description = "The key lacks tokens:read",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such integration for this key's tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "424", description = "reconnect-required (grant revoked or expired) or integration-error: "
            + "the user must reconnect (PUT /v1/integrations/{id}/tokens)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "The key's rate limit, or the tenant's on-demand refresh budget "
            + "(refresher.on-demand.tenant-refreshes-per-second)",
            headers = @Header(name = "Retry-After", description = "seconds", schema = @Schema(implementation = Integer.class)),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "Backing off, provider failing, refresh elsewhere not done in time, "
            + "or the token store or audit trail unavailable",
            headers = @Header(name = "Retry-After", description = "seconds", schema = @Schema(implementation = Integer.class)),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "getAccessToken", summary = "Get a usable access token",
            description = "A valid access token for the integration, refreshed first if it expires within minValidSeconds (or forceRefresh is set); concurrent callers and the scheduled run share one refresh. 424 when the user must reconnect. Never the refresh token.")
    public Uni<RestResponse<AccessTokenResponse>> accessToken(@PathParam("id") UUID id,
            @Valid AccessTokenRequest body) {
        TenantKey key = TenantKey.of(identity);
        AccessTokenRequest ask = body == null ? new AccessTokenRequest(null, null) : body;
        return service.accessToken(key, id, ask.minValid(), ask.force())
                .map(issued -> RestResponse.ResponseBuilder.ok(AccessTokenResponse.of(issued, Instant.now(), ask.minValid()))
                        .header("Cache-Control", "no-store")
                        .header("Pragma", "no-cache")
                        .build());
    }
}
