package dev.oauthrefresher.deploy;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import dev.oauthrefresher.tokenstore.TokenStoreConfig.Kind;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProductionSafetyCheckTest {

    @Test
    void shouldRefuseEachInsecureSwitchInAProductionProcessNamingIt() {
        for (String key : ProductionSafetyCheck.SWITCHES) {
            assertThatThrownBy(() -> ProductionSafetyCheck.check(LaunchMode.NORMAL, Kind.KEY_VAULT, key::equals, Set.of()))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining(key).hasMessageContaining("refresher.production.insecure-overrides");
        }
    }

    @Test
    void shouldAcceptASwitchOnlyWhenItsOverrideNamesIt() {
        String webhooks = "refresher.webhooks.allow-insecure-urls";
        assertThatCode(() -> ProductionSafetyCheck.check(LaunchMode.NORMAL, Kind.KEY_VAULT, webhooks::equals,
                Set.of(webhooks))).doesNotThrowAnyException();
        assertThatThrownBy(() -> ProductionSafetyCheck.check(LaunchMode.NORMAL, Kind.KEY_VAULT, key -> true,
                Set.of(webhooks))).hasMessageContaining("refresher.token-endpoints.allow-insecure-loopback");
    }

    @Test
    void shouldLeaveDevModeTestsAndTheMemoryStoreToTheirWarnings() {
        assertThatCode(() -> ProductionSafetyCheck.check(LaunchMode.DEVELOPMENT, Kind.KEY_VAULT, key -> true, Set.of()))
                .doesNotThrowAnyException();
        assertThatCode(() -> ProductionSafetyCheck.check(LaunchMode.TEST, Kind.KEY_VAULT, key -> true, Set.of()))
                .doesNotThrowAnyException();
        assertThatCode(() -> ProductionSafetyCheck.check(LaunchMode.NORMAL, Kind.MEMORY, key -> true, Set.of()))
                .doesNotThrowAnyException();
    }
}
