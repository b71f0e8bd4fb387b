package dev.oauthrefresher.cron;

import static org.assertj.core.api.Assertions.assertThat;
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

    static final String STRONG = "8c1d6f0e3b2a49d7a5e4c3b2a1f0e9d8";

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
        assertThatCode(() -> new CronConfigCheck().onStart(null, config(Map.of("refresher.cron.bearer-tokens", STRONG))))
                .doesNotThrowAnyException();
        assertThatCode(() -> new CronConfigCheck().onStart(null, config(Map.of(
                "refresher.cron.qstash.current-signing-key", "sig_key",
                "refresher.cron.public-url", "https://refresher.example.test"))))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseInProdABearerTokenShorterThan32BytesWithoutPrintingIt() {
        assertThatThrownBy(() -> new CronConfigCheck().onStart(null,
                config(Map.of("refresher.cron.bearer-tokens", STRONG + ",short-cron-token-31-bytes-long!"))))
                .hasMessageContaining("refresher.cron.bearer-tokens").hasMessageContaining("32 bytes")
                .hasMessageNotContaining("short-cron-token");
    }

    @Test
    void shouldRefuseInProdTheTemplatesPlaceholders() {
        // the values of k8s/base/secrets.template.env, padded past the length check
        assertThatThrownBy(() -> new CronConfigCheck().onStart(null,
                config(Map.of("refresher.cron.bearer-tokens", "REPLACE_ME_CRON_BEARER_TOKEN_0123456789"))))
                .hasMessageContaining("refresher.cron.bearer-tokens").hasMessageContaining("REPLACE_ME");
        assertThatThrownBy(() -> new CronConfigCheck().onStart(null, config(Map.of(
                "refresher.cron.qstash.current-signing-key", "sig_real_key",
                "refresher.cron.qstash.next-signing-key", "REPLACE_ME_QSTASH_NEXT_SIGNING_KEY",
                "refresher.cron.public-url", "https://refresher.example.test"))))
                .hasMessageContaining("refresher.cron.qstash.next-signing-key");
    }

    @Test
    void shouldRefuseAClockLeewayBeyondFiveMinutes() {
        assertThatThrownBy(() -> new CronConfigCheck().onStart(null, config(Map.of(
                "refresher.cron.bearer-tokens", STRONG, "refresher.cron.qstash.clock-leeway", "6m"))))
                .hasMessageContaining("refresher.cron.qstash.clock-leeway");
        assertThatCode(() -> new CronConfigCheck().onStart(null, config(Map.of(
                "refresher.cron.bearer-tokens", STRONG, "refresher.cron.qstash.clock-leeway", "5m"))))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRememberASignatureAtLeastUntilItsExpiryPlusTheLeewayAndAMargin() {
        CronConfig config = config(Map.of("refresher.cron.qstash.clock-leeway", "2m"));
        // jose4j accepts a signature until exp + leeway; the retention setting may not be shorter than this
        assertThat(new SignatureReplayGuard(null, config).minimumRetention())
                .isEqualTo(Duration.ofMinutes(2).plus(SignatureReplayGuard.PURGE_MARGIN))
                .isGreaterThan(config.qstash().clockLeeway());
    }
}
