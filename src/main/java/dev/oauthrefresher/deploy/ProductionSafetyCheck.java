package dev.oauthrefresher.deploy;

import dev.oauthrefresher.tokenstore.TokenStoreConfig;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.eclipse.microprofile.config.Config;

/**
 * Refuses to start a production process with a switch meant for local runs: plain-http webhook receivers, plain-http
 * loopback token endpoints, or a Key Vault whose challenge is not checked against the vault's domain. A warning in
 * the log is easy to miss in a cluster; a pod that does not start is not. Dev mode, the tests and the memory store
 * (mock mode, never production) only get the warnings each capability logs.
 */
@Singleton
class ProductionSafetyCheck {

    /** The switches that weaken a production process, by their full keys. */
    static final List<String> SWITCHES = List.of("refresher.webhooks.allow-insecure-urls",
            "refresher.token-endpoints.allow-insecure-loopback",
            "refresher.token-store.key-vault.disable-challenge-resource-verification");

    void onStart(@Observes StartupEvent event, Config config, TokenStoreConfig tokenStore, ProductionConfig production) {
        check(LaunchMode.current(), tokenStore.kind(),
                key -> config.getOptionalValue(key, Boolean.class).orElse(false),
                production.insecureOverrides().orElse(Set.of()));
    }

    /** @param isOn whether the switch of that key is on */
    static void check(LaunchMode mode, TokenStoreConfig.Kind store, Predicate<String> isOn, Set<String> overrides) {
        if (mode != LaunchMode.NORMAL || store != TokenStoreConfig.Kind.KEY_VAULT) {
            return;
        }
        for (String key : SWITCHES) {
            if (isOn.test(key) && !overrides.contains(key)) {
                throw new ConfigurationException(key + " is on in a production process (prod profile, Key Vault store). "
                        + "It is meant for local runs only; turn it off, or, for a staging cluster against local fakes, "
                        + "name it in refresher.production.insecure-overrides.", Set.of(key));
            }
        }
    }
}
