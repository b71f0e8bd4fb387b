package dev.oauthrefresher.integration.lifecycle;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import dev.oauthrefresher.web.QueryParams;
import dev.oauthrefresher.integration.IntegrationDtos;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationPage;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationView;
import dev.oauthrefresher.integration.IntegrationDtos.RegisterIntegration;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/** Admin API for a tenant's integrations. Responses never contain a token. */
@RolesAllowed("admin")
@Path("/admin/tenants/{tenantId}/integrations")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "integrations")
@SecurityRequirement(name = "bearer")
public class IntegrationResource {

    private final IntegrationService service;

    IntegrationResource(IntegrationService service) {
        this.service = service;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "adminRegisterIntegration", summary = "Register an integration for a tenant",
            description = "The operator's form of registerIntegration, for any tenant.")
    public Uni<RestResponse<IntegrationView>> register(@PathParam("tenantId") String tenantId,
            @Valid @NotNull RegisterIntegration request) {
        return service.register(tenantId, request).map(created -> RestResponse.ResponseBuilder.<IntegrationView>created(
                URI.create("/admin/tenants/" + tenantId + "/integrations/" + created.id())).entity(created).build());
    }

    @GET
    @Operation(operationId = "adminListIntegrations", summary = "List a tenant's integrations",
            description = "The tenant's integrations, filtered by status and provider, in pages; never a token.")
    public IntegrationPage list(@PathParam("tenantId") String tenantId,
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, defaultValue = "0")) @QueryParam("offset") @DefaultValue("0") String offset,
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, defaultValue = "100")) @QueryParam("limit") @DefaultValue("100") String limit) {
        return service.list(tenantId, QueryParams.wholeNumber("offset", offset, 0, Integer.MAX_VALUE),
                QueryParams.wholeNumber("limit", limit, 1, 1000));
    }

    @GET
    @Path("{id}")
    @Operation(operationId = "adminGetIntegration", summary = "Get a tenant's integration",
            description = "One integration of the tenant; never a token.")
    public IntegrationView get(@PathParam("tenantId") String tenantId, @PathParam("id") UUID id) {
        return service.get(tenantId, id);
    }

    @POST
    @Path("{id}/reactivate")
    @Operation(operationId = "reactivateIntegration", summary = "Reactivate an integration",
            description = "Makes an integration in error active again (once what caused the error is fixed), so the next run refreshes it; 409 for any other status. An expired integration needs the user: reconnect it.")
    public IntegrationView reactivate(@PathParam("tenantId") String tenantId, @PathParam("id") UUID id) {
        return service.reactivate(tenantId, id);
    }
}
