package dev.oauthrefresher.sandbox;

import dev.oauthrefresher.common.Secret;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The dev-mode sandbox provider ({@code refresher.sandbox.*}): a token endpoint and a demo tenant that show every
 * refresh outcome without a real provider. On in the {@code dev} profile only; not compiled into {@code -Dprod}.
 */
@ConfigMapping(prefix = "refresher.sandbox")
public interface SandboxConfig {

    /**
     * Whether the sandbox's endpoints and demo seeding exist; read at build time. Key
     * {@code refresher.sandbox.enabled}, default {@code false} ({@code true} in the dev profile).
     */
    @WithDefault("false")
    boolean enabled();

    /** Lifetime of the access tokens it issues. Key {@code refresher.sandbox.access-token-lifetime}, default {@code 2m}. */
    @WithDefault("2m")
    Duration accessTokenLifetime();

    /**
     * The one OAuth client its token and authorization endpoints accept (its one redirect URI is the connect callback
     * under {@code refresher.connect.public-url}). Key {@code refresher.sandbox.client-id}, default {@code sandbox-client}.
     */
    @WithDefault("sandbox-client")
    String clientId();

    /**
     * That client's secret (a demo value, not a credential). Key {@code refresher.sandbox.client-secret}, default
     * {@code sandbox-client-secret}.
     */
    @WithDefault("sandbox-client-secret")
    Secret clientSecret();

    /**
     * Where the demo tenant's webhook endpoint delivers: the sandbox's receiver on this instance. Key
     * {@code refresher.sandbox.webhook-url}, default {@code http://localhost:${quarkus.http.port:8080}/dev/sandbox/webhooks}.
     */
    @WithDefault("http://localhost:${quarkus.http.port:8080}/dev/sandbox/webhooks")
    String webhookUrl();
}
