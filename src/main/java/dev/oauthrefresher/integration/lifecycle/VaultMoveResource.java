package dev.oauthrefresher.integration.lifecycle;

import dev.oauthrefresher.integration.lifecycle.VaultMoveDtos.VaultMoveRequest;
import dev.oauthrefresher.integration.lifecycle.VaultMoveDtos.VaultMoveResult;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Admin API: move a tenant's integrations to another Key Vault (docs/OPERATIONS.md; docs/DEPLOYMENT.md). */
@RolesAllowed("admin")
@Path("/admin/tenants/{tenantId}/vault-move")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "tenants")
@SecurityRequirement(name = "bearer")
public class VaultMoveResource {

    private final VaultMoveService service;

    VaultMoveResource(VaultMoveService service) {
        this.service = service;
    }

    /** Moves up to {@code limit} integrations (default 100) and says how many remain; repeat until none do. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "moveTenantVault", summary = "Move a tenant to another Key Vault",
            description = "Moves up to limit of the tenant's integrations to another configured vault and says how many remain; repeat until none do. Resumable: a move interrupted anywhere loses nothing when it is repeated.")
    public VaultMoveResult move(@PathParam("tenantId") String tenantId, @Valid @NotNull VaultMoveRequest request) {
        return service.move(tenantId, request);
    }
}
