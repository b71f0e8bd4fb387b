package dev.oauthrefresher.access;

import dev.oauthrefresher.access.ApiKeyDtos.ApiKeyList;
import dev.oauthrefresher.access.ApiKeyDtos.CreateApiKey;
import dev.oauthrefresher.access.ApiKeyDtos.CreatedApiKey;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/** Admin API: a tenant's API keys. The key is in the creation answer only. */
@RolesAllowed("admin")
@Path("/admin/tenants/{tenantId}/api-keys")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "api-keys")
@SecurityRequirement(name = "bearer")
public class ApiKeyResource {

    private final ApiKeyService service;

    ApiKeyResource(ApiKeyService service) {
        this.service = service;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "201", description = "The key, shown this once")
    @APIResponse(responseCode = "400", description = "Invalid name or scope (problem+json naming the field)")
    @APIResponse(responseCode = "404", description = "No such tenant")
    @Operation(operationId = "createApiKey", summary = "Create a tenant API key",
            description = "Creates an API key for the tenant with the given scopes; the key is in this answer only (it is stored hashed). Granting tokens:read is audited and counted.")
    public RestResponse<CreatedApiKey> create(@PathParam("tenantId") String tenantId, @Valid @NotNull CreateApiKey request) {
        CreatedApiKey created = service.create(tenantId, request);
        CacheControl noStore = new CacheControl();
        noStore.setNoStore(true);
        return RestResponse.ResponseBuilder.create(RestResponse.Status.CREATED, created).cacheControl(noStore).build();
    }

    @GET
    @Operation(operationId = "listApiKeys", summary = "List a tenant's API keys",
            description = "The tenant's keys with their scopes and last use, never the key itself.")
    public ApiKeyList list(@PathParam("tenantId") String tenantId) {
        return service.list(tenantId);
    }

    @DELETE
    @Path("{keyId}")
    @APIResponse(responseCode = "204", description = "Revoked (again, if it already was)")
    @APIResponse(responseCode = "404", description = "No such key for this tenant")
    @Operation(operationId = "revokeApiKey", summary = "Revoke a tenant API key",
            description = "Revokes the key on every replica at its next request. Idempotent.")
    public void revoke(@PathParam("tenantId") String tenantId, @PathParam("keyId") UUID keyId) {
        service.revoke(tenantId, keyId);
    }
}
