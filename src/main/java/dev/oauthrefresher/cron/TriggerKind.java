package dev.oauthrefresher.cron;

import java.util.Locale;

/** What started a run; stored in {@code trigger_run.trigger_kind}. */
public enum TriggerKind {
    QSTASH,
    BEARER,
    SCHEDULER,
    MANUAL;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
