package dev.oauthrefresher.sandbox;

import io.quarkus.arc.Arc;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * Dev mode's OpenAPI document names the demo tenant's example key in the bearer scheme (what Swagger UI's
 * Authorize dialog shows), read per request because a new key is issued at every start.
 */
@OpenApiFilter(OpenApiFilter.RunStage.RUNTIME_PER_REQUEST)
public class ExampleKeyOpenApiFilter implements OASFilter {

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null || openAPI.getComponents().getSecuritySchemes() == null) {
            return;
        }
        SecurityScheme bearer = openAPI.getComponents().getSecuritySchemes().get("bearer");
        try (InstanceHandle<ExampleKey> example = Arc.container().instance(ExampleKey.class)) {
            if (bearer == null || !example.isAvailable()) {
                return;
            }
            example.get().key().ifPresent(key -> bearer.setDescription("Admin API: an admin token (dev mode: "
                    + "dev-admin-token). Tenant API (/v1): a tenant API key; dev mode's example key of tenant '"
                    + DemoSeeder.TENANT + "', with every scope: " + key.reveal()));
        }
    }
}
