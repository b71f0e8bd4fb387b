package dev.oauthrefresher.tokenstore.sweep;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import dev.oauthrefresher.common.Replica;
import dev.oauthrefresher.tokenstore.InMemoryTokenStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Settings that would let the sweep or the compensation delete what they must not stop the service at startup (no Quarkus). */
class OrphansConfigCheckTest {

    @Test
    void shouldRefuseAGracePeriodUnderAnHourNamingTheKey() {
        assertThatThrownBy(() -> new OrphanSweeper(new InMemoryTokenStore(Duration.ZERO), null, names -> Set.of(), null,
                config(Duration.ofMinutes(59), Optional.empty()), new SimpleMeterRegistry(), new Replica()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.token-store.orphans.sweep.grace-period");
    }

    @Test
    void shouldRefuseAGracePeriodUnderTenTimesTheStoresCallerWait() {
        // a store whose operations take up to 10 min: a caller waits 10 min 5 s, the grace period must be ten times that
        assertThatThrownBy(() -> new OrphanSweeper(new InMemoryTokenStore(Duration.ofMinutes(10)), null, names -> Set.of(),
                null, config(Duration.ofHours(1), Optional.empty()), new SimpleMeterRegistry(), new Replica()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("grace-period");
    }

    @Test
    void shouldRefuseANegativeCompensationDelayNamingTheKey() {
        assertThatThrownBy(() -> new OrphanCompensation(new InMemoryTokenStore(Duration.ZERO), names -> Set.of(),
                config(Duration.ofHours(24), Optional.of(Duration.ofSeconds(-1))), new SimpleMeterRegistry()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.token-store.orphans.compensation-delay");
    }

    private static OrphansConfig config(Duration gracePeriod, Optional<Duration> compensationDelay) {
        Map<String, String> properties = new HashMap<>();
        properties.put("refresher.token-store.orphans.sweep.grace-period", gracePeriod.toString());
        compensationDelay.ifPresent(delay -> properties.put("refresher.token-store.orphans.compensation-delay", delay.toString()));
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .withMapping(OrphansConfig.class)
                .build();
        return config.getConfigMapping(OrphansConfig.class);
    }
}
