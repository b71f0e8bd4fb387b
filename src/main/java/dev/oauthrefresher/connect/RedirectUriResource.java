package dev.oauthrefresher.connect;

import dev.oauthrefresher.connect.ConnectDtos.RedirectUriList;
import dev.oauthrefresher.web.Problem;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Admin API for a tenant's redirect-URI allow-list: where its connect sessions may send users back. */
@RolesAllowed("admin")
@Path("/admin/tenants/{tenantId}/redirect-uris")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "tenants")
@SecurityRequirement(name = "bearer")
public class RedirectUriResource {

    private final ConnectService service;

    RedirectUriResource(ConnectService service) {
        this.service = service;
    }

    @GET
    @APIResponse(responseCode = "200", description = "The tenant's redirect URIs; empty: no connect sessions")
    @APIResponse(responseCode = "404", description = "No such tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "getTenantRedirectUris", summary = "Get a tenant's redirect URIs",
            description = "Where the tenant's connect sessions may send users back; an empty list means the tenant cannot "
                    + "create connect sessions.")
    public RedirectUriList get(@PathParam("tenantId") String tenantId) {
        return service.redirectUris(tenantId);
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "200", description = "Replaced (duplicates dropped, sorted); matched exactly at session "
            + "creation. Sessions already created keep the URI they named.")
    @APIResponse(responseCode = "400", description = "Invalid list or URI (problem+json naming the field)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "setTenantRedirectUris", summary = "Set a tenant's redirect URIs",
            description = "Replaces the tenant's redirect-URI allow-list: absolute https URIs without fragment, matched "
                    + "exactly when a connect session is created.")
    public RedirectUriList put(@PathParam("tenantId") String tenantId, @Valid @NotNull RedirectUriList request) {
        return service.setRedirectUris(tenantId, request);
    }
}
