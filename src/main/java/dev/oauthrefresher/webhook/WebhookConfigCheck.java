package dev.oauthrefresher.webhook;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Refuses webhook settings that would send a delivery twice at once or let a bad network list pass unnoticed. */
@Singleton
class WebhookConfigCheck {

    private static final Logger LOG = Logger.getLogger(WebhookConfigCheck.class);

    void onStart(@Observes StartupEvent event, WebhookConfig config) {
        if (config.lease().compareTo(config.requestTimeout().multipliedBy(2)) < 0) {
            throw new IllegalStateException("refresher.webhooks.lease (" + config.lease() + ") must be at least twice "
                    + "refresher.webhooks.request-timeout (" + config.requestTimeout() + "), or another replica could "
                    + "send a delivery whose attempt is still running");
        }
        if (config.manualSendWindow().isNegative() || config.manualSendWindow().isZero()) {
            throw new IllegalStateException("refresher.webhooks.manual-send-window must be positive");
        }
        if (config.secretCacheAge().isNegative()) {
            throw new IllegalStateException("refresher.webhooks.secret-cache-age must not be negative");
        }
        if (config.retrySchedule().stream().anyMatch(step -> step.isNegative())) {
            throw new IllegalStateException("refresher.webhooks.retry-schedule must not contain a negative delay");
        }
        config.allowedNetworks().ifPresent(networks -> networks.forEach(UrlGuard.Cidr::parse));
        if (config.allowInsecureUrls()) {
            LOG.warn("refresher.webhooks.allow-insecure-urls is on: webhook URLs may use http and loopback addresses. "
                    + "Never in production.");
        }
    }
}
