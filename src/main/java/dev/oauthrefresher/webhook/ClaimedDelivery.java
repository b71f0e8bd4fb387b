package dev.oauthrefresher.webhook;

import java.util.UUID;

/**
 * A delivery this replica holds the lease of, with what it needs to send it.
 *
 * @param attempt this attempt's number, the first being 1
 * @param eventId also the {@code webhook-id}: the same on every attempt and replay
 */
record ClaimedDelivery(long id, int attempt, UUID eventId, String payload, UUID endpointId, String url,
        String secretName, int secretVersion) {
}
