package dev.oauthrefresher.cron;

import dev.oauthrefresher.common.Secret;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Who may trigger {@code POST /cron/{task}}, and the in-process fallback trigger. */
@ConfigMapping(prefix = "refresher.cron")
public interface CronConfig {

    /**
     * The public base URL QStash calls, e.g. {@code https://refresher.example.com}: QStash signs the URL it
     * called ({@code <public-url>/cron/<task>}), which behind an ingress differs from what the service sees.
     * Key {@code refresher.cron.public-url}; required when QStash signing keys are set.
     */
    Optional<URI> publicUrl();

    /** Upstash QStash request signing. */
    Qstash qstash();

    /**
     * Bearer tokens the Kubernetes CronJob may present; several at once so one can be rotated. Key
     * {@code refresher.cron.bearer-tokens} (comma-separated), no default.
     */
    Optional<List<Secret>> bearerTokens();

    /** Largest accepted request body. Key {@code refresher.cron.max-body-size}, default {@code 64K}. */
    @WithDefault("64K")
    MemorySize maxBodySize();

    /**
     * What {@code Retry-After} tells a caller that should come back (database unreachable, run still going).
     * Key {@code refresher.cron.retry-after}, default {@code 30s}.
     */
    @WithDefault("30s")
    Duration retryAfter();

    /** The optional in-process trigger. */
    Fallback fallback();

    interface Qstash {
        /** Current signing key. Key {@code refresher.cron.qstash.current-signing-key}, no default. */
        Optional<Secret> currentSigningKey();

        /** Next signing key (QStash rotation). Key {@code refresher.cron.qstash.next-signing-key}, no default. */
        Optional<Secret> nextSigningKey();

        /** Upper bound of {@link #clockLeeway()}: QStash's tokens live five minutes, more would double a replay window. */
        Duration MAX_CLOCK_LEEWAY = Duration.ofMinutes(5);

        /**
         * Tolerated clock difference for {@code exp}/{@code nbf}, at most {@code 5m} (checked at startup). Key
         * {@code refresher.cron.qstash.clock-leeway}, default {@code 5s}.
         */
        @WithDefault("5s")
        Duration clockLeeway();
    }

    interface Fallback {
        /**
         * When it checks (Quartz-style cron, e.g. {@code 0 0/5 * * * ?} for every five minutes); {@code off} (the
         * Quarkus scheduler's word for a disabled job) turns it off. Key {@code refresher.cron.fallback.cron},
         * default {@code off}.
         */
        @WithDefault("off")
        String cron();

        /**
         * It runs only if no externally triggered run completed within this period. Key
         * {@code refresher.cron.fallback.grace-period}, default {@code 15m}.
         */
        @WithDefault("15m")
        Duration gracePeriod();

        /** The task it runs. Key {@code refresher.cron.fallback.task}, default {@code refresh-expiring-integrations}. */
        @WithDefault("refresh-expiring-integrations")
        String task();

        /**
         * Longest the fallback waits for the run it started; past it the wait fails with a timeout. Keep it above the
         * task's longest run. Key {@code refresher.cron.fallback.run-timeout}, default {@code 1h}.
         */
        @WithDefault("1h")
        Duration runTimeout();
    }

    /** The signing keys in the order to try them: current, then next. */
    default List<Secret> signingKeys() {
        return java.util.stream.Stream.of(qstash().currentSigningKey(), qstash().nextSigningKey())
                .flatMap(Optional::stream).toList();
    }
}
