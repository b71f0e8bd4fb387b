package dev.oauthrefresher.tenant;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;

/** Request and response bodies of the tenant admin API. */
public final class TenantDtos {

    private TenantDtos() {
    }

    /** {@code POST /admin/tenants}. */
    public record CreateTenant(
            @NotNull @Pattern(regexp = "^[a-z0-9][a-z0-9-]{0,62}$",
                    message = "must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit") String id,
            @NotBlank @Size(max = 200) String displayName,
            @Min(1) @Max(1000) Integer maxConcurrency) {
    }

    /** {@code PUT /admin/tenants/{id}}. */
    public record UpdateTenant(
            @NotBlank @Size(max = 200) String displayName,
            @Min(1) @Max(1000) Integer maxConcurrency) {
    }

    /** A tenant as the API shows it. */
    public record TenantView(String id, String displayName, boolean refreshPaused, Integer maxConcurrency,
            Instant createdAt, Instant updatedAt) {

        static TenantView of(Tenant t) {
            return new TenantView(t.id(), t.displayName(), t.refreshPaused(), t.maxConcurrency(), t.createdAt(), t.updatedAt());
        }
    }

    /**
     * {@code PUT} and {@code GET /admin/tenants/{id}/provider-groups}: the provider groups the tenant may register
     * integrations in; empty means every configured group.
     */
    public record ProviderGroupList(
            @NotNull @Size(max = 100) List<@NotNull @Pattern(regexp = "^[a-z0-9][a-z0-9-]{0,62}$",
                    message = "must be a provider group name: 1-63 lowercase letters, digits or dashes") String> providerGroups) {
    }
}
