package dev.oauthrefresher.bench;

import dev.oauthrefresher.testsupport.process.ApiSeeder;
import dev.oauthrefresher.testsupport.process.Harness;
import dev.oauthrefresher.testsupport.process.ProcStat;
import dev.oauthrefresher.testsupport.process.ServiceClient;
import dev.oauthrefresher.testsupport.process.ServiceProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The access-token phase of {@code bench/run}: workers asking for still-valid tokens at a fixed rate (open loop:
 * each request is sent on schedule whether or not earlier ones have answered, and its latency counts from its
 * scheduled time), against a token store with Key Vault-like latency. Reports p50/p99 and token-store reads.
 */
final class AccessTokenBench {

    /** What one measured stretch did. */
    record Figures(int sent, Map<Integer, Integer> statuses, double p50Millis, double p99Millis, double maxMillis,
            double storeReads, double seconds, int integrations, double serviceCpuSeconds, double databaseCpuSeconds) {

        double storeReadsPerSecond() {
            return storeReads / seconds;
        }
    }

    static final String STORE_READS = "refresher_access_token_store_reads_total";
    private static final Duration WARM_UP = Duration.ofSeconds(5);

    private AccessTokenBench() {
    }

    /** Seeds {@code integrations} valid integrations of one tenant, warms up, then measures {@code rate}/s for {@code duration}. */
    static Figures run(Harness harness, ServiceProcess service, int integrations, int rate, Duration duration) {
        ServiceClient client = harness.client(service);
        List<ApiSeeder.Seeded> seeded = ApiSeeder.seed(client, harness.provider(), Harness.GROUP, "a", 1, integrations,
                Instant.now().plus(Duration.ofHours(2)), 8);
        String key = client.createApiKey(seeded.get(0).tenant(), List.of("tokens:read"));
        UUID[] ids = seeded.stream().map(ApiSeeder.Seeded::id).toArray(UUID[]::new);
        load(client, key, ids, rate, WARM_UP);
        double readsBefore = client.counter(STORE_READS);
        double cpuBefore = service.usage().cpuSeconds();
        double databaseBefore = ProcStat.treeCpuSeconds(harness.postgres().pid());
        Figures figures = load(client, key, ids, rate, duration);
        double cpu = service.usage().cpuSeconds() - cpuBefore;
        double databaseCpu = ProcStat.treeCpuSeconds(harness.postgres().pid()) - databaseBefore;
        double reads = client.counter(STORE_READS) - readsBefore;
        return new Figures(figures.sent(), figures.statuses(), figures.p50Millis(), figures.p99Millis(), figures.maxMillis(),
                reads, figures.seconds(), integrations, cpu, databaseCpu);
    }

    /** {@code rate} requests a second for {@code duration}, round-robin over {@code ids}, open loop; no store reads or CPU. */
    static Figures load(ServiceClient client, String key, UUID[] ids, int rate, Duration duration) {
        int total = (int) (rate * duration.toMillis() / 1000);
        long periodNanos = 1_000_000_000L / rate;
        long[] latencies = new long[total];
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        LongAdder done = new LongAdder();
        CompletableFuture<Void> finished = new CompletableFuture<>();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long start = System.nanoTime();
        try {
            ScheduledFuture<?> ticks = ticker.scheduleAtFixedRate(() -> {
                // catch up on ticks the scheduler ran late, so the offered rate stays the configured one
                long due = Math.min(total, (System.nanoTime() - start) / periodNanos + 1);
                for (int i = next.get(); i < due; i = next.get()) {
                    if (!next.compareAndSet(i, i + 1)) {
                        continue;
                    }
                    int request = i;
                    long scheduled = start + request * periodNanos;
                    client.accessTokenAsync(key, ids[request % ids.length]).whenComplete((response, failure) -> {
                        latencies[request] = System.nanoTime() - scheduled;
                        statuses.merge(failure == null ? response.statusCode() : -1, 1, Integer::sum);
                        done.increment();
                        if (done.sum() == total) {
                            finished.complete(null);
                        }
                    });
                }
            }, 0, periodNanos, TimeUnit.NANOSECONDS);
            finished.get(duration.toSeconds() + 120, TimeUnit.SECONDS);
            ticks.cancel(false);
        } catch (Exception e) {
            throw new IllegalStateException("The access-token load did not finish: " + statuses, e);
        } finally {
            ticker.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return new Figures(total, Map.copyOf(statuses), millis(sorted, 0.50), millis(sorted, 0.99),
                sorted[sorted.length - 1] / 1e6, 0, seconds, ids.length, 0, 0);
    }

    private static double millis(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }
}
