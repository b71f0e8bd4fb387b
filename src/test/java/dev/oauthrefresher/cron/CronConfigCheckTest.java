package dev.oauthrefresher.cron;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.common.SecretConverter;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A production service must be triggerable, and must know the URL QStash signs. Runs as prod (no Quarkus). */
class CronConfigCheckTest {

    static CronConfig config(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Secret.class, 100, new SecretConverter())
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .withMapping(CronConfig.class)
                .build();
        return config.getConfigMapping(CronConfig.class);
    }

    @Test
    void shouldRefuseToStartInProdWithNoTriggerCredential() {
        assertThatThrownBy(() -> new CronConfigCheck().onStart(null, config(Map.of())))
                .hasMessageContaining("refresher.cron.bearer-tokens")
                .hasMessageContaining("refresher.cron.qstash.current-signing-key");
    }

    @Test
    void shouldRefuseQStashKeysWithoutThePublicUrl() {
        assertThatThrownBy(() -> new CronConfigCheck().onStart(null,
                config(Map.of("refresher.cron.qstash.current-signing-key", "sig_key"))))
                .hasMessageContaining("refresher.cron.public-url")
                .hasMessageNotContaining("sig_key");
    }

    @Test
    void shouldStartWithABearerTokenOrWithQStashKeysAndTheirUrl() {
        assertThatCode(() -> new CronConfigCheck().onStart(null, config(Map.of("refresher.cron.bearer-tokens", "t"))))
                .doesNotThrowAnyException();
        assertThatCode(() -> new CronConfigCheck().onStart(null, config(Map.of(
                "refresher.cron.qstash.current-signing-key", "sig_key",
                "refresher.cron.public-url", "https://refresher.example.test"))))
                .doesNotThrowAnyException();
    }
}
