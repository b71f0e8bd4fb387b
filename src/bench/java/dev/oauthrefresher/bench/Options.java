package dev.oauthrefresher.bench;

import dev.oauthrefresher.testsupport.process.Harness;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark's settings: a mode ({@code quick} or {@code full}) gives the defaults, {@code --key=value}
 * arguments change them.
 *
 * @param integrations N: integrations seeded for the pipeline run
 * @param tenants T: tenants they are spread over
 * @param providerLatency delay of the fake token endpoint per call
 * @param storeLatency delay of each memory token store operation (two per refresh)
 * @param errorRate share of token calls the fake answers with 503
 * @param concurrency {@code refresher.refresh.concurrency} of the pipeline run
 * @param perTenant {@code refresher.refresh.per-tenant-concurrency} of the pipeline run
 * @param phases which parts run: {@code pipeline}, {@code throughput} (the same rows again with a zero-latency
 *        provider, after {@code pipeline}), {@code baseline}, {@code claims}, {@code access} (valid-token reads),
 *        {@code growth} (rows and bytes per operation, and the purge's throughput; only when named)
 * @param baselineIntegrations integrations for the one-at-a-time baseline
 * @param claimRows integrations in the table for the claim query timing
 * @param claimBatch rows per claim ({@code refresher.refresh.batch-size}) in the claim timing
 * @param claimBatches claims to time
 * @param seedThreads parallel admin API callers while seeding
 * @param accessRate access-token requests per second in the access phase
 * @param accessDuration how long the access phase measures (after a 5 s warm-up)
 * @param accessIntegrations integrations whose tokens the access phase asks for, round-robin
 * @param accessStoreLatency memory token store latency in the access phase (Key Vault-like)
 * @param jvmOptions options for the service's JVM, space separated; {@link Harness#SERVICE_JVM} unless given
 *        ({@code --jvm-options=} with nothing runs it with the JVM's defaults)
 * @param warmup integrations refreshed (same latency, same process) before the pipeline run is measured, so the
 *        figures are those of a service that has run before, as a deployed one has; 0 measures a cold process
 * @param timeline whether to report the pipeline run second by second and its latency by bucket
 * @param growthIntegrations integrations the growth phase seeds
 * @param growthTenants tenants they are spread over
 * @param growthRounds times the growth phase makes every integration due and refreshes it
 * @param growthReads access-token reads in the growth phase
 * @param growthReadRate their rate per second
 * @param growthStatusChanges grants revoked at the fake provider, so that their refresh ends expired (a webhook event each)
 * @param growthDisconnects integrations disconnected through the tenant API
 * @param growthCopies copies of each row the growth phase wrote, made by SQL: the size sample and the purge's backlog
 */
record Options(String mode, int integrations, int tenants, Duration providerLatency, Duration storeLatency, double errorRate,
        int concurrency, int perTenant, Set<String> phases, int baselineIntegrations, int claimRows, int claimBatch,
        int claimBatches, int seedThreads, int accessRate, Duration accessDuration, int accessIntegrations,
        Duration accessStoreLatency, List<String> jvmOptions, int warmup, boolean timeline, int growthIntegrations,
        int growthTenants, int growthRounds, int growthReads, int growthReadRate, int growthStatusChanges,
        int growthDisconnects, int growthCopies) {

    private static final List<String> PHASES = List.of("pipeline", "throughput", "baseline", "claims", "access", "growth");
    /** What runs without {@code --phases}: growth only when named (it restarts the service and ages rows by SQL). */
    private static final List<String> DEFAULT_PHASES = PHASES.subList(0, PHASES.indexOf("growth"));
    private static final Set<String> KEYS = Set.of("integrations", "tenants", "provider-latency-ms", "store-latency-ms",
            "error-rate", "concurrency", "per-tenant", "phases", "baseline-integrations", "claim-rows", "claim-batch",
            "claim-batches", "seed-threads", "access-rate", "access-seconds", "access-integrations",
            "access-store-latency-ms", "jvm-options", "warmup", "timeline", "growth-integrations", "growth-tenants",
            "growth-rounds", "growth-reads", "growth-read-rate", "growth-status-changes", "growth-disconnects",
            "growth-copies");

    static Options parse(String[] args) {
        String mode = args.length > 0 && !args[0].startsWith("--") ? args[0] : "quick";
        Map<String, String> values = new HashMap<>(switch (mode) {
            case "quick" -> Map.of("integrations", "4000", "tenants", "40", "baseline-integrations", "100",
                    "claim-rows", "100000", "growth-integrations", "1000", "growth-reads", "4000", "growth-copies", "20");
            case "full" -> Map.of("integrations", "20000", "tenants", "200", "baseline-integrations", "300",
                    "claim-rows", "1000000", "growth-integrations", "5000", "growth-reads", "20000", "growth-copies", "50");
            default -> throw new IllegalArgumentException("Unknown mode '" + mode + "': use quick or full");
        });
        Arrays.stream(args).filter(a -> a.startsWith("--")).forEach(arg -> {
            int eq = arg.indexOf('=');
            String key = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("Unknown option --" + key + "; known: " + KEYS);
            }
            values.put(key, eq < 0 ? "true" : arg.substring(eq + 1));
        });
        String jvm = values.getOrDefault("jvm-options", String.join(" ", Harness.SERVICE_JVM)).trim();
        return new Options(mode,
                integer(values, "integrations", 0),
                integer(values, "tenants", 0),
                Duration.ofMillis(integer(values, "provider-latency-ms", 100)),
                Duration.ofMillis(integer(values, "store-latency-ms", 0)),
                Double.parseDouble(values.getOrDefault("error-rate", "0")),
                integer(values, "concurrency", 100),
                integer(values, "per-tenant", 8),
                phases(values.getOrDefault("phases", String.join(",", DEFAULT_PHASES))),
                integer(values, "baseline-integrations", 0),
                integer(values, "claim-rows", 0),
                integer(values, "claim-batch", 1000),
                integer(values, "claim-batches", 10),
                integer(values, "seed-threads", 8),
                integer(values, "access-rate", 500),
                Duration.ofSeconds(integer(values, "access-seconds", 60)),
                integer(values, "access-integrations", 100),
                Duration.ofMillis(integer(values, "access-store-latency-ms", 15)),
                jvm.isEmpty() ? List.of() : List.of(jvm.split("\\s+")),
                integer(values, "warmup", 2000),
                Boolean.parseBoolean(values.getOrDefault("timeline", "false")),
                integer(values, "growth-integrations", 0),
                integer(values, "growth-tenants", 10),
                integer(values, "growth-rounds", 3),
                integer(values, "growth-reads", 0),
                integer(values, "growth-read-rate", 200),
                integer(values, "growth-status-changes", 10),
                integer(values, "growth-disconnects", 10),
                integer(values, "growth-copies", 0));
    }

    private static Set<String> phases(String list) {
        Set<String> phases = new LinkedHashSet<>(List.of(list.split(",")));
        if (!PHASES.containsAll(phases)) {
            throw new IllegalArgumentException("--phases takes a comma-separated subset of " + PHASES);
        }
        if (phases.contains("throughput") && !phases.contains("pipeline")) {
            throw new IllegalArgumentException("the throughput phase reuses the pipeline phase's rows: add pipeline");
        }
        return phases;
    }

    boolean runs(String phase) {
        return phases.contains(phase);
    }

    private static int integer(Map<String, String> values, String key, int fallback) {
        String value = values.get(key);
        return value == null ? fallback : Integer.parseInt(value);
    }
}
