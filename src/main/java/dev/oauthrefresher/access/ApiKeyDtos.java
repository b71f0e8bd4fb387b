package dev.oauthrefresher.access;

import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Request and response bodies of the API key admin API. Only {@link CreatedApiKey} carries the key, once. */
public final class ApiKeyDtos {

    private ApiKeyDtos() {
    }

    /** {@code POST /admin/tenants/{tenantId}/api-keys}. */
    public record CreateApiKey(
            @NotBlank @Size(max = 200) String name,
            @NotEmpty List<@NotNull @Pattern(regexp = Scope.PATTERN,
                    message = "must be one of integrations:read, integrations:write, tokens:read, webhooks:write") String> scopes) {
    }

    /** The answer to a creation: the only time the key is shown. Registered: it leaves inside a {@code Response}. */
    @RegisterForReflection
    public record CreatedApiKey(UUID id, String name, List<String> scopes, String key, Instant createdAt) {

        @Override
        public String toString() {
            return "CreatedApiKey[id=" + id + ", name=" + name + ", scopes=" + scopes + ", key=[redacted]]";
        }
    }

    /** A key as lists show it: never the key or its hash. */
    public record ApiKeyView(UUID id, String name, List<String> scopes, Instant createdAt, Instant lastUsedAt,
            Instant revokedAt) {

        static ApiKeyView of(ApiKey k) {
            return new ApiKeyView(k.id(), k.name(), codes(k), k.createdAt(), k.lastUsedAt(), k.revokedAt());
        }
    }

    /** A tenant's keys, revoked ones included (with {@code revokedAt}). */
    public record ApiKeyList(List<ApiKeyView> items) {
    }

    static List<String> codes(ApiKey k) {
        return k.scopes().stream().map(Scope::code).sorted().toList();
    }
}
