package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.refresh.RefreshConfig;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/** Admin API: refresh one integration now, through the same code path as a triggered run. */
@RolesAllowed("admin")
@Path("/admin/tenants/{tenantId}/integrations/{id}/refresh")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "integrations")
@SecurityRequirement(name = "bearer")
public class ManualRefreshResource {

    private final RefreshService service;
    private final RefreshConfig config;

    ManualRefreshResource(RefreshService service, RefreshConfig config) {
        this.service = service;
        this.config = config;
    }

    /** 200 with the outcome, or 202 with the attempt's id when it takes longer than the wait (it is not cancelled). */
    @POST
    @Operation(operationId = "refreshIntegrationNow", summary = "Refresh one integration now",
            description = "Refreshes one integration through the same path a triggered run uses (lease, fence, store first). 200 with the outcome, or 202 with the attempt's id when it takes longer than the wait; the refresh is not cancelled.")
    public Uni<RestResponse<RefreshService.ManualRefresh>> refresh(@PathParam("tenantId") String tenantId, @PathParam("id") UUID id) {
        return service.refreshWithin(tenantId, id, config.manualRefreshWait())
                .map(result -> RestResponse.status(RefreshService.IN_PROGRESS.equals(result.outcome())
                        ? RestResponse.Status.ACCEPTED : RestResponse.Status.OK, result));
    }
}
