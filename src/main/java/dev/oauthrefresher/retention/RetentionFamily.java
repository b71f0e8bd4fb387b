package dev.oauthrefresher.retention;

/**
 * The kinds of rows the service keeps for a while and then forgets, each with one setting under
 * {@code refresher.retention} ({@link RetentionConfig}). A family may span tables (webhook events and their deliveries).
 */
public enum RetentionFamily {
    AUDIT("audit"),
    WEBHOOKS("webhooks"),
    TRIGGER_RUNS("trigger-runs"),
    REFRESH_ATTEMPTS("refresh-attempts"),
    TOMBSTONES("tombstones"),
    USED_SIGNATURES("used-signatures"),
    HEARTBEATS("heartbeats"),
    CONNECT_SESSIONS("connect-sessions");

    private final String key;

    RetentionFamily(String key) {
        this.key = key;
    }

    /** Its setting's full key, for messages. */
    public String settingKey() {
        return "refresher.retention." + key;
    }
}
