package dev.oauthrefresher.refresh;

import dev.oauthrefresher.admin.AdminApi;
import dev.oauthrefresher.refresh.RefreshService.ManualRefresh;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Admin API: refresh one integration now, through the same code path as a triggered run. */
@AdminApi
@Path("/admin/tenants/{tenantId}/integrations/{id}/refresh")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "integrations")
@SecurityRequirement(name = "bearer")
public class ManualRefreshResource {

    private final RefreshService service;

    ManualRefreshResource(RefreshService service) {
        this.service = service;
    }

    @POST
    public ManualRefresh refresh(@PathParam("tenantId") String tenantId, @PathParam("id") UUID id) {
        return service.refreshNow(tenantId, id);
    }
}
