package dev.oauthrefresher.access;

import dev.oauthrefresher.common.BearerTokens;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;

/** Refuses to start a production service whose admin tokens are guessable or still the template's placeholder. */
@Singleton
class AdminConfigCheck {

    void onStart(@Observes StartupEvent event, AdminConfig config) {
        if (LaunchMode.current() == LaunchMode.NORMAL) {
            BearerTokens.requireProductionStrength("refresher.admin.tokens", config.tokens().orElse(List.of()));
        }
    }
}
