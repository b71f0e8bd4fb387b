package dev.oauthrefresher.integration;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Request and response bodies of the integration admin API. No response type has a token field. */
public final class IntegrationDtos {

    private IntegrationDtos() {
    }

    /**
     * {@code POST /admin/tenants/{tenantId}/integrations}: the integration and the tokens the tenant's OAuth
     * consent produced. The tokens go straight to the token store.
     */
    public record RegisterIntegration(
            @NotNull @Pattern(regexp = "^(google|microsoft|oauth2)$", message = "must be one of google, microsoft, oauth2")
            String provider,
            @NotNull @Pattern(regexp = "^[a-z0-9][a-z0-9-]{0,62}$",
                    message = "must be 1-63 lowercase letters, digits or dashes") String providerGroup,
            @NotBlank @Size(max = 320) String externalAccount,
            @NotBlank @Size(max = 8192) String accessToken,
            @NotBlank @Size(max = 8192) String refreshToken,
            @NotNull Instant accessTokenExpiresAt,
            @Size(max = 4096) String scope,
            @Size(max = 64) String tokenType) {

        @Override
        public String toString() {
            return "RegisterIntegration[provider=" + provider + ", providerGroup=" + providerGroup
                    + ", externalAccount=" + externalAccount + ", tokens=[redacted]]";
        }
    }

    /**
     * {@code PUT /v1/integrations/{id}/tokens}: the tokens of the user's new consent, replacing the old ones.
     */
    public record ReconnectIntegration(
            @NotBlank @Size(max = 8192) String accessToken,
            @NotBlank @Size(max = 8192) String refreshToken,
            @NotNull Instant accessTokenExpiresAt,
            @Size(max = 4096) String scope,
            @Size(max = 64) String tokenType) {

        @Override
        public String toString() {
            return "ReconnectIntegration[accessTokenExpiresAt=" + accessTokenExpiresAt + ", tokens=[redacted]]";
        }
    }

    /** An integration as the API shows it: status and bookkeeping, never a token. */
    public record IntegrationView(UUID id, String tenantId, String provider, String providerGroup, String externalAccount,
            String status, Instant accessTokenExpiresAt, Instant lastRefreshedAt, Instant lastAttemptAt,
            Instant nextAttemptAt, int consecutiveFailures, String lastErrorCode, String lastErrorMessage,
            Instant createdAt, Instant updatedAt) {

        public static IntegrationView of(Integration i) {
            return new IntegrationView(i.id(), i.tenantId(), i.provider().code(), i.providerGroup(), i.externalAccount(),
                    i.status().code(), i.accessTokenExpiresAt(), i.lastRefreshedAt(), i.lastAttemptAt(), i.nextAttemptAt(),
                    i.consecutiveFailures(), i.lastErrorCode(), i.lastErrorMessage(), i.createdAt(), i.updatedAt());
        }
    }

    /** One page of a tenant's integrations. */
    public record IntegrationPage(List<IntegrationView> items, int offset, int limit, long total) {
    }
}
