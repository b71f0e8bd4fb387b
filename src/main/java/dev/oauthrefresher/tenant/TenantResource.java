package dev.oauthrefresher.tenant;

import dev.oauthrefresher.tenant.TenantDtos.CreateTenant;
import dev.oauthrefresher.tenant.TenantDtos.ProviderGroupList;
import dev.oauthrefresher.tenant.TenantDtos.TenantView;
import dev.oauthrefresher.tenant.TenantDtos.UpdateTenant;
import dev.oauthrefresher.web.Problem;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
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

/** Admin API for tenants. */
@RolesAllowed("admin")
@Path("/admin/tenants")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "tenants")
@SecurityRequirement(name = "bearer")
public class TenantResource {

    private final TenantService service;

    TenantResource(TenantService service) {
        this.service = service;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createTenant", summary = "Create a tenant",
            description = "Creates a tenant: the unit that owns integrations, API keys and webhook endpoints.")
    public RestResponse<TenantView> create(@Valid @NotNull CreateTenant request) {
        TenantView created = service.create(request);
        return RestResponse.ResponseBuilder.<TenantView>created(URI.create("/admin/tenants/" + created.id()))
                .entity(created).build();
    }

    @GET
    @Path("{tenantId}")
    @Operation(operationId = "getTenant", summary = "Get a tenant",
            description = "One tenant, with its pause state.")
    public TenantView get(@PathParam("tenantId") String tenantId) {
        return service.get(tenantId);
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Path("{tenantId}")
    @Operation(operationId = "updateTenant", summary = "Update a tenant",
            description = "Changes the tenant's display name and its maximum refresh concurrency.")
    public TenantView update(@PathParam("tenantId") String tenantId, @Valid @NotNull UpdateTenant request) {
        return service.update(tenantId, request);
    }

    @GET
    @Path("{tenantId}/provider-groups")
    @APIResponse(responseCode = "200", description = "The provider groups the tenant may register integrations in; "
            + "empty: every configured group")
    @APIResponse(responseCode = "404", description = "No such tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "getTenantProviderGroups", summary = "Get a tenant's provider groups",
            description = "The provider groups (OAuth clients) the tenant may register integrations in; an empty list means every configured group.")
    public ProviderGroupList providerGroups(@PathParam("tenantId") String tenantId) {
        return service.providerGroups(tenantId);
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Path("{tenantId}/provider-groups")
    @APIResponse(responseCode = "200", description = "Replaced (duplicates dropped, sorted); an empty list lets the tenant "
            + "use every configured group again. Integrations already registered keep refreshing.")
    @APIResponse(responseCode = "400", description = "Invalid list or group name (problem+json naming the field)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "setTenantProviderGroups", summary = "Set a tenant's provider groups",
            description = "Replaces the tenant's provider-group allow-list. Integrations already registered in a group the list leaves out keep refreshing; only new registrations there are refused.")
    public ProviderGroupList setProviderGroups(@PathParam("tenantId") String tenantId,
            @Valid @NotNull ProviderGroupList request) {
        return service.setProviderGroups(tenantId, request);
    }

    @POST
    @Path("{tenantId}/pause")
    @Operation(operationId = "pauseTenant", summary = "Pause a tenant's refreshes",
            description = "Stops refreshing the tenant's integrations until it is resumed; its access tokens are still served while they are valid.")
    public TenantView pause(@PathParam("tenantId") String tenantId) {
        return service.setPaused(tenantId, true);
    }

    @POST
    @Path("{tenantId}/resume")
    @Operation(operationId = "resumeTenant", summary = "Resume a tenant's refreshes",
            description = "Resumes refreshing a paused tenant's integrations; those that came due meanwhile are refreshed by the next run.")
    public TenantView resume(@PathParam("tenantId") String tenantId) {
        return service.setPaused(tenantId, false);
    }
}
