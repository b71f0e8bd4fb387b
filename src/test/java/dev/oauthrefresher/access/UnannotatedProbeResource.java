package dev.oauthrefresher.access;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/**
 * Test-only: a {@code /v1} method someone forgot to give a scope. It must be refused to every key
 * ({@code quarkus.security.jaxrs.deny-unannotated-endpoints}); {@link TenantApiTest} proves it.
 */
@Path("/v1/test-only/unannotated")
public class UnannotatedProbeResource {

    @GET
    public String reached() {
        return "reached";
    }
}
