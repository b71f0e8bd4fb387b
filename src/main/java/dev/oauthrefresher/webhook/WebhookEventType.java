package dev.oauthrefresher.webhook;

import java.util.Arrays;
import java.util.Optional;

/** The events an endpoint can subscribe to, by their wire name. */
public enum WebhookEventType {
    INTEGRATION_EXPIRED("integration.expired"),
    INTEGRATION_ERROR("integration.error"),
    INTEGRATION_RECOVERED("integration.recovered"),
    INTEGRATION_RECONNECTED("integration.reconnected"),
    INTEGRATION_CONNECTED("integration.connected"),
    INTEGRATION_DELETED("integration.deleted"),
    WEBHOOK_TEST("webhook.test");

    private final String code;

    WebhookEventType(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static Optional<WebhookEventType> fromCode(String code) {
        return Arrays.stream(values()).filter(t -> t.code.equals(code)).findFirst();
    }
}
