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
    public RestResponse<TenantView> create(@Valid @NotNull CreateTenant request) {
        TenantView created = service.create(request);
        return RestResponse.ResponseBuilder.<TenantView>created(URI.create("/admin/tenants/" + created.id()))
                .entity(created).build();
    }

    @GET
    @Path("{tenantId}")
    public TenantView get(@PathParam("tenantId") String tenantId) {
        return service.get(tenantId);
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Path("{tenantId}")
    public TenantView update(@PathParam("tenantId") String tenantId, @Valid @NotNull UpdateTenant request) {
        return service.update(tenantId, request);
    }

    @GET
    @Path("{tenantId}/provider-groups")
    @APIResponse(responseCode = "200", description = "The provider groups the tenant may register integrations in; "
            + "empty: every configured group")
    @APIResponse(responseCode = "404", description = "No such tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
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
    public ProviderGroupList setProviderGroups(@PathParam("tenantId") String tenantId,
            @Valid @NotNull ProviderGroupList request) {
        return service.setProviderGroups(tenantId, request);
    }

    @POST
    @Path("{tenantId}/pause")
    public TenantView pause(@PathParam("tenantId") String tenantId) {
        return service.setPaused(tenantId, true);
    }

    @POST
    @Path("{tenantId}/resume")
    public TenantView resume(@PathParam("tenantId") String tenantId) {
        return service.setPaused(tenantId, false);
    }
}
