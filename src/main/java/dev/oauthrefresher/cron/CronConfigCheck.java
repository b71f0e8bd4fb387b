package dev.oauthrefresher.cron;

import dev.oauthrefresher.common.BearerTokens;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;

/**
 * Refuses to start a production service that nothing could trigger, that could not check QStash's signatures, or
 * whose trigger credentials are guessable or still the template's placeholders.
 */
@Singleton
class CronConfigCheck {

    void onStart(@Observes StartupEvent event, CronConfig config) {
        Duration leeway = config.qstash().clockLeeway();
        if (leeway.isNegative() || leeway.compareTo(CronConfig.Qstash.MAX_CLOCK_LEEWAY) > 0) {
            throw new IllegalStateException("refresher.cron.qstash.clock-leeway must be between 0s and "
                    + CronConfig.Qstash.MAX_CLOCK_LEEWAY.toMinutes() + "m: a signature stays replayable for that long past its expiry");
        }
        Duration runTimeout = config.fallback().runTimeout();
        if (runTimeout.isNegative() || runTimeout.isZero()) {
            throw new IllegalStateException("refresher.cron.fallback.run-timeout must be positive");
        }
        if (!config.signingKeys().isEmpty() && config.publicUrl().isEmpty()) {
            throw new IllegalStateException("refresher.cron.public-url must be set when QStash signing keys are "
                    + "configured: QStash signs the URL it calls, and the service must know it to verify signatures");
        }
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return;
        }
        if (config.signingKeys().isEmpty() && config.bearerTokens().map(List::isEmpty).orElse(true)) {
            throw new IllegalStateException("No trigger credential is configured: set refresher.cron.qstash.current-signing-key "
                    + "(with refresher.cron.public-url) or refresher.cron.bearer-tokens");
        }
        BearerTokens.requireProductionStrength("refresher.cron.bearer-tokens", config.bearerTokens().orElse(List.of()));
        // QStash issues the signing keys, so only the placeholder is refused, not a length
        config.qstash().currentSigningKey()
                .ifPresent(key -> BearerTokens.requireNoPlaceholder("refresher.cron.qstash.current-signing-key", key));
        config.qstash().nextSigningKey()
                .ifPresent(key -> BearerTokens.requireNoPlaceholder("refresher.cron.qstash.next-signing-key", key));
    }
}
