package dev.oauthrefresher.refresh;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Refuses refresh settings that would corrupt runs, and warns about ones that would let tokens lapse. */
@Singleton
class RefreshConfigCheck {

    private static final Logger LOG = Logger.getLogger(RefreshConfigCheck.class);

    void onStart(@Observes StartupEvent event, RefreshConfig config) {
        if (config.lease().compareTo(config.runBudget()) <= 0) {
            throw new IllegalStateException("refresher.refresh.lease (" + config.lease()
                    + ") must be longer than refresher.refresh.run-budget (" + config.runBudget()
                    + "), or a run's own rows could be claimed by another run while it still refreshes them");
        }
        if (config.backoff().max().compareTo(config.backoff().initial()) < 0) {
            throw new IllegalStateException("refresher.refresh.backoff.max must not be shorter than refresher.refresh.backoff.initial");
        }
        if (config.leadTime().compareTo(config.expectedTriggerInterval().plus(config.runBudget())) < 0) {
            LOG.warnf("refresher.refresh.lead-time (%s) is shorter than the trigger interval (%s) plus one run budget (%s): "
                    + "a token can expire between two runs", config.leadTime(), config.expectedTriggerInterval(), config.runBudget());
        }
    }
}
