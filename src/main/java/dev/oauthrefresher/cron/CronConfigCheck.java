package dev.oauthrefresher.cron;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/** Refuses to start a production service that nothing could trigger, or that could not check QStash's signatures. */
@Singleton
class CronConfigCheck {

    void onStart(@Observes StartupEvent event, CronConfig config) {
        if (!config.signingKeys().isEmpty() && config.publicUrl().isEmpty()) {
            throw new IllegalStateException("refresher.cron.public-url must be set when QStash signing keys are "
                    + "configured: QStash signs the URL it calls, and the service must know it to verify signatures");
        }
        boolean noTrigger = config.signingKeys().isEmpty() && config.bearerTokens().map(java.util.List::isEmpty).orElse(true);
        if (noTrigger && LaunchMode.current() == LaunchMode.NORMAL) {
            throw new IllegalStateException("No trigger credential is configured: set refresher.cron.qstash.current-signing-key "
                    + "(with refresher.cron.public-url) or refresher.cron.bearer-tokens");
        }
    }
}
