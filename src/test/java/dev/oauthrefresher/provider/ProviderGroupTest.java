package dev.oauthrefresher.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.common.SecretConverter;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Provider group settings as SmallRye Config maps them, and the startup checks on them. */
class ProviderGroupTest {

    static ProvidersConfig config(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ProvidersConfig.class)
                .withConverter(Secret.class, 100, new SecretConverter())
                // Quarkus' own, for durations such as "5s"
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
        return config.getConfigMapping(ProvidersConfig.class);
    }

    static ProviderGroup group(String name, Map<String, String> properties) {
        return ProviderGroup.of(name, config(properties).groups().get(name), false);
    }

    static Map<String, String> oauth2At(String tokenEndpoint) {
        return Map.of("refresher.providers.acme.type", "oauth2", "refresher.providers.acme.client-id", "id",
                "refresher.providers.acme.client-secret", "secret", "refresher.providers.acme.token-endpoint", tokenEndpoint);
    }

    @Test
    void shouldRefusePlainHttpTokenEndpointsUnlessLoopbackIsExplicitlyAllowed() {
        assertThatThrownBy(() -> group("acme", oauth2At("http://localhost:8089/token")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.providers.acme.token-endpoint")
                .hasMessageContaining("refresher.token-endpoints.allow-insecure-loopback");
        for (String loopback : java.util.List.of("http://localhost:8089/token", "http://127.0.0.1:8089/token",
                "http://127.8.9.10/token", "http://[::1]:8089/token")) {
            assertThat(ProviderGroup.of("acme", config(oauth2At(loopback)).groups().get("acme"), true).tokenEndpoint())
                    .isEqualTo(URI.create(loopback));
        }
        for (String remote : java.util.List.of("http://idp.example.com/token", "http://10.0.0.7/token",
                "http://169.254.169.254/token", "http://localhost.example.com/token", "http://127.0.0.1.nip.io/token")) {
            assertThatThrownBy(() -> ProviderGroup.of("acme", config(oauth2At(remote)).groups().get("acme"), true))
                    .as(remote).hasMessageContaining("refresher.providers.acme.token-endpoint");
        }
    }

    @Test
    void shouldDefaultAGoogleGroupToGooglesTokenEndpointAndPostAuthentication() {
        ProviderGroup google = group("google-default", Map.of(
                "refresher.providers.google-default.type", "google",
                "refresher.providers.google-default.client-id", "id",
                "refresher.providers.google-default.client-secret", "secret"));

        assertThat(google.tokenEndpoint()).isEqualTo(URI.create("https://oauth2.googleapis.com/token"));
        assertThat(google.settings().clientAuth()).isEqualTo(ProvidersConfig.ClientAuth.POST);
        assertThat(google.settings().requestTimeout()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void shouldRevokeAtGooglesEndpointByDefaultAndNowhereForOtherTypesUnlessSet() {
        ProviderGroup google = group("google-default", Map.of(
                "refresher.providers.google-default.type", "google",
                "refresher.providers.google-default.client-id", "id",
                "refresher.providers.google-default.client-secret", "secret"));
        assertThat(google.revocationEndpoint()).contains(URI.create("https://oauth2.googleapis.com/revoke"));

        assertThat(group("acme", oauth2At("https://idp.example.com/token")).revocationEndpoint()).isEmpty();
        Map<String, String> revoking = new java.util.HashMap<>(oauth2At("https://idp.example.com/token"));
        revoking.put("refresher.providers.acme.revocation-endpoint", "https://idp.example.com/revoke");
        assertThat(group("acme", revoking).revocationEndpoint()).contains(URI.create("https://idp.example.com/revoke"));
    }

    @Test
    void shouldHoldARevocationEndpointToTheTokenEndpointsRules() {
        Map<String, String> insecure = new java.util.HashMap<>(oauth2At("https://idp.example.com/token"));
        insecure.put("refresher.providers.acme.revocation-endpoint", "http://idp.example.com/revoke");
        assertThatThrownBy(() -> ProviderGroup.of("acme", config(insecure).groups().get("acme"), true))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.providers.acme.revocation-endpoint")
                .hasMessageContaining("https");
        Map<String, String> relative = new java.util.HashMap<>(oauth2At("https://idp.example.com/token"));
        relative.put("refresher.providers.acme.revocation-endpoint", "/revoke");
        assertThatThrownBy(() -> group("acme", relative)).hasMessageContaining("refresher.providers.acme.revocation-endpoint");
        Map<String, String> loopback = new java.util.HashMap<>(oauth2At("http://127.0.0.1:8089/token"));
        loopback.put("refresher.providers.acme.revocation-endpoint", "http://127.0.0.1:8089/revoke");
        assertThat(ProviderGroup.of("acme", config(loopback).groups().get("acme"), true).revocationEndpoint()).isPresent();
    }

    @Test
    void shouldNameTheKeyWhenANonGoogleGroupHasNoTokenEndpoint() {
        assertThatThrownBy(() -> group("contoso", Map.of(
                "refresher.providers.contoso.type", "microsoft",
                "refresher.providers.contoso.client-id", "id",
                "refresher.providers.contoso.client-secret", "secret")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.providers.contoso.token-endpoint")
                .hasMessageContaining("microsoft");
    }

    @Test
    void shouldRefuseATokenEndpointThatIsNotAnAbsoluteHttpUrl() {
        assertThatThrownBy(() -> group("acme", Map.of(
                "refresher.providers.acme.type", "oauth2",
                "refresher.providers.acme.client-id", "id",
                "refresher.providers.acme.client-secret", "secret",
                "refresher.providers.acme.token-endpoint", "/oauth/token")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.providers.acme.token-endpoint");
    }

    @Test
    void shouldRefuseAGroupNameIntegrationsCannotUse() {
        assertThatThrownBy(() -> group("Acme_Prod", Map.of(
                "refresher.providers.Acme_Prod.type", "google",
                "refresher.providers.Acme_Prod.client-id", "id",
                "refresher.providers.Acme_Prod.client-secret", "secret")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.providers.Acme_Prod");
    }

    @Test
    void shouldRefuseAZeroRequestTimeout() {
        assertThatThrownBy(() -> group("acme", Map.of(
                "refresher.providers.acme.type", "oauth2",
                "refresher.providers.acme.client-id", "id",
                "refresher.providers.acme.client-secret", "secret",
                "refresher.providers.acme.token-endpoint", "https://idp.example.com/token",
                "refresher.providers.acme.request-timeout", "0s")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.providers.acme.request-timeout");
    }

    @Test
    void shouldNeverPrintTheClientSecret() {
        ProviderGroup group = group("acme", Map.of(
                "refresher.providers.acme.type", "oauth2",
                "refresher.providers.acme.client-id", "id",
                "refresher.providers.acme.client-secret", "very-secret-value",
                "refresher.providers.acme.token-endpoint", "https://idp.example.com/token"));

        assertThat(group.settings().clientSecret().reveal()).isEqualTo("very-secret-value");
        assertThat(group.toString()).doesNotContain("very-secret-value");
    }
    @Test
    void shouldPresetGooglesConsentAndLetASettingReplaceOneParameter() {
        ProviderGroup google = group("google-default", Map.of(
                "refresher.providers.google-default.type", "google",
                "refresher.providers.google-default.client-id", "id",
                "refresher.providers.google-default.client-secret", "secret",
                "refresher.providers.google-default.authorization-parameters.prompt", "select_account consent",
                "refresher.providers.google-default.authorization-parameters.hd", "example.com"));

        assertThat(google.authorizationEndpoint()).contains(URI.create("https://accounts.google.com/o/oauth2/v2/auth"));
        assertThat(google.userinfoEndpoint()).contains(URI.create("https://openidconnect.googleapis.com/v1/userinfo"));
        assertThat(google.defaultScopes()).containsExactly("openid", "email");
        assertThat(google.authorizationParameters()).containsOnly(Map.entry("access_type", "offline"),
                Map.entry("prompt", "select_account consent"), Map.entry("include_granted_scopes", "true"),
                Map.entry("hd", "example.com"));
    }

    @Test
    void shouldLeaveAnOauth2GroupWithoutConsentUnlessConfigured() {
        ProviderGroup plain = group("acme", oauth2At("https://idp.example.com/token"));
        assertThat(plain.authorizationEndpoint()).isEmpty();
        assertThat(plain.userinfoEndpoint()).isEmpty();
        assertThat(plain.defaultScopes()).isEmpty();
        assertThat(plain.authorizationParameters()).isEmpty();

        Map<String, String> consenting = new java.util.HashMap<>(oauth2At("https://idp.example.com/token"));
        consenting.put("refresher.providers.acme.authorization-endpoint", "https://idp.example.com/authorize");
        consenting.put("refresher.providers.acme.default-scopes", "openid,offline_access");
        ProviderGroup configured = group("acme", consenting);
        assertThat(configured.authorizationEndpoint()).contains(URI.create("https://idp.example.com/authorize"));
        assertThat(configured.defaultScopes()).containsExactly("openid", "offline_access");
    }

    @Test
    void shouldRefuseAnInsecureConsentEndpointOrAParameterTheFlowSetsNamingTheKey() {
        for (String key : java.util.List.of("authorization-endpoint", "userinfo-endpoint")) {
            Map<String, String> insecure = new java.util.HashMap<>(oauth2At("https://idp.example.com/token"));
            insecure.put("refresher.providers.acme." + key, "http://idp.example.com/" + key);
            assertThatThrownBy(() -> group("acme", insecure)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("refresher.providers.acme." + key);
        }
        Map<String, String> fragment = new java.util.HashMap<>(oauth2At("https://idp.example.com/token"));
        fragment.put("refresher.providers.acme.authorization-endpoint", "https://idp.example.com/authorize#x");
        assertThatThrownBy(() -> group("acme", fragment)).hasMessageContaining("refresher.providers.acme.authorization-endpoint");
        for (String reserved : java.util.List.of("state", "redirect_uri", "code_challenge", "client_id")) {
            Map<String, String> overriding = new java.util.HashMap<>(oauth2At("https://idp.example.com/token"));
            overriding.put("refresher.providers.acme.authorization-parameters." + reserved, "x");
            assertThatThrownBy(() -> group("acme", overriding)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("refresher.providers.acme.authorization-parameters." + reserved);
        }
    }
}
