package dev.oauthrefresher.connect;

import dev.oauthrefresher.access.Scope;
import dev.oauthrefresher.access.TenantKey;
import dev.oauthrefresher.access.TenantOperation;
import dev.oauthrefresher.connect.ConnectDtos.ConnectSessionView;
import dev.oauthrefresher.connect.ConnectDtos.CreateConnectSession;
import dev.oauthrefresher.web.Problem;
import io.quarkus.security.PermissionsAllowed;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The tenant API for connect sessions ({@code Authorization: Bearer <tenant API key>} with {@code integrations:write}):
 * the app asks for a session and sends its user's browser to the link it answers with.
 */
@Path("/v1/connect-sessions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "tenant-connect")
@SecurityRequirement(name = "bearer")
@APIResponse(responseCode = "401", description = "No valid, unrevoked tenant API key",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "403", description = "The key lacks the scope named in the detail",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class ConnectSessionResource {

    private final ConnectService service;
    private final SecurityIdentity identity;

    ConnectSessionResource(ConnectService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @PermissionsAllowed(Scope.Codes.INTEGRATIONS_WRITE)
    @TenantOperation
    @APIResponse(responseCode = "201", description = "Created: the session's link, single use, until expiresAt")
    @APIResponse(responseCode = "400", description = "Invalid field (named in the problem): a group this tenant may not "
            + "use or without an authorization endpoint, a redirect URI not in the tenant's list, no scopes, an "
            + "integration not the tenant's or of another group",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "Connect sessions are not enabled (refresher.connect.public-url)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "The key's rate limit, or the tenant's operation budget; see "
            + "Retry-After", content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "createConnectSession", summary = "Create a connect session",
            description = "A single-use link (256-bit session, stored hashed, short-lived) that runs the user's consent at the "
                    + "provider group and sends the browser back to redirectUri with integration_id and outcome "
                    + "(connected, reconnected) or error; with integrationId it reconnects that integration, whatever its "
                    + "status. Send the user's browser to url.")
    public RestResponse<ConnectSessionView> create(@Valid @NotNull CreateConnectSession body) {
        TenantKey key = TenantKey.of(identity);
        ConnectSessionView created = service.create(key.tenantId(), key.actor(), body);
        // the body holds a capability: no cache may keep it
        return RestResponse.ResponseBuilder.<ConnectSessionView>created(URI.create(created.url())).entity(created)
                .header("Cache-Control", "no-store").build();
    }
}
