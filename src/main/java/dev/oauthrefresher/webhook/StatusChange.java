package dev.oauthrefresher.webhook;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One integration status change, as its webhook reports it. Built by the code that made the change, inside the
 * same transaction; holds no token.
 *
 * @param statusVersion the integration's status version after the change; it only grows
 * @param reasonCode why, e.g. {@code invalid_grant}; null when there is no failure to report
 * @param reasonDescription the provider's description, cut to {@link #MAX_DESCRIPTION}
 */
public record StatusChange(WebhookEventType type, String tenantId, UUID integrationId, String provider,
        String providerGroup, String externalAccount, String previousStatus, String status, long statusVersion,
        String reasonCode, String reasonDescription, Instant firstFailureAt, Instant lastAttemptAt) {

    public static final int MAX_DESCRIPTION = 500;

    public StatusChange {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(integrationId, "integrationId");
        if (reasonDescription != null && reasonDescription.length() > MAX_DESCRIPTION) {
            reasonDescription = reasonDescription.substring(0, MAX_DESCRIPTION - 3) + "...";
        }
    }
}
