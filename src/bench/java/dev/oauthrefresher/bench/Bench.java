package dev.oauthrefresher.bench;

import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.process.ApiSeeder;
import dev.oauthrefresher.testsupport.process.Database;
import dev.oauthrefresher.testsupport.process.Harness;
import dev.oauthrefresher.testsupport.process.ProcStat;
import dev.oauthrefresher.testsupport.process.ServiceClient;
import dev.oauthrefresher.testsupport.process.ServiceClient.RunSummary;
import dev.oauthrefresher.testsupport.process.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark behind {@code bench/run}. It starts the packaged service as a real process against PostgreSQL,
 * a fake token endpoint and the memory token store (with injected latencies), seeds integrations through the
 * admin API, triggers the refresh task as the CronJob does, and prints wall time, refreshes per second,
 * efficiency, per-refresh latency, CPU per 1,000 refreshes and peak RSS; then the same against a naive
 * one-at-a-time configuration, and the claim query's time on a large table. Figures, not assertions.
 */
public final class Bench {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /** What one measured stretch of runs did and cost. */
    record Measurement(int runs, int refreshed, int notRefreshed, long remaining,
            double wallSeconds, double serviceCpuSeconds, double databaseCpuSeconds, double harnessCpuSeconds,
            long peakRssKiB, double p50Millis, double p99Millis, double refreshSeconds) {

        double perSecond() {
            return refreshed / wallSeconds;
        }

        double perThousand(double cpuSeconds) {
            return refreshed == 0 ? Double.NaN : cpuSeconds * 1000 / refreshed;
        }
    }

    private final Options options;
    private final Harness harness;
    private final StringBuilder report = new StringBuilder();

    private Bench(Options options, Harness harness) {
        this.options = options;
        this.harness = harness;
    }

    public static void main(String[] args) {
        Options options = Options.parse(args);
        Path work = Path.of("bench", "out", STAMP.format(Instant.now()) + "-" + options.mode());
        try (Harness harness = Harness.start(work, FakeTokenEndpoint.Mode.GOOGLE, Harness.TokenStore.MEMORY)) {
            new Bench(options, harness).run();
        }
    }

    private void run() {
        String loadBefore = loadAverage();
        line("oauth-refresher benchmark, %s mode, %s UTC, commit %s", options.mode(),
                DateTimeFormatter.ISO_LOCAL_DATE_TIME.withZone(ZoneOffset.UTC).format(Instant.now()).substring(0, 19),
                System.getenv().getOrDefault("BENCH_COMMIT", "unknown"));
        line("machine: %d CPUs (%s), %.1f GiB RAM, Java %s; load average before: %s", Runtime.getRuntime().availableProcessors(),
                cpuModel(), memoryGiB(), System.getProperty("java.version"), loadBefore);
        line("service JVM options: %s; work directory %s", options.jvmOptions().isEmpty() ? "(JVM defaults)"
                : String.join(" ", options.jvmOptions()), harness.workDirectory());
        line("");

        Measurement pipeline = options.runs("pipeline") ? pipelineAndThroughput() : null;
        Measurement baseline = options.runs("baseline") ? baseline() : null;
        if (pipeline != null && baseline != null) {
            double extrapolated = options.integrations() / baseline.perSecond();
            line("comparison: the naive baseline would need %.0f s for %d integrations (extrapolated from %d at %.1f/s);"
                    + " the pipeline took %.1f s: %.0f× faster", extrapolated, options.integrations(), baseline.refreshed(),
                    baseline.perSecond(), pipeline.wallSeconds(), extrapolated / pipeline.wallSeconds());
            line("");
        }
        if (options.runs("claims")) {
            claimQuery();
        }
        if (options.runs("access")) {
            accessTokens();
        }
        if (options.runs("growth")) {
            GrowthBench.run(harness, options, text -> line("%s", text));
            line("");
        }
        line("load average after: %s", loadAverage());
        write(harness.workDirectory().resolve("report.txt"), report.toString());
    }

    /**
     * The configured run with provider latency, then (same process, same rows made due again) with none;
     * returns the first.
     */
    private Measurement pipelineAndThroughput() {
        Database db = harness.createDatabase("pipeline");
        ServiceProcess service = harness.launch("pipeline", db, refreshSettings(options.concurrency(), options.perTenant()),
                options.jvmOptions()).awaitReady();
        ServiceClient client = harness.client(service);
        if (options.warmup() > 0) {
            // Its own tenants, refreshed before the measured rows exist: the measured run meets compiled code, as a
            // deployed service's runs do, but opens its connections itself (the idle ones have closed by then).
            seed(client, "w", Math.max(1, options.warmup() / 100), options.warmup());
            harness.provider().latency(options.providerLatency());
            List<RunSummary> warm = client.refreshUntilDone(Map.of(), 50);
            line("(warm-up: %d integrations refreshed in %d run(s) before the measured one)",
                    warm.stream().mapToInt(RunSummary::refreshed).sum(), warm.size());
            harness.provider().latency(Duration.ZERO);
        }
        seed(client, "p", options.tenants(), options.integrations());
        long startupPeak = service.usage().peakRssKiB();

        harness.provider().latency(options.providerLatency());
        harness.provider().errorRate(options.errorRate());
        String title = String.format(Locale.ROOT, "pipeline: %d integrations over %d tenants, provider latency %d ms, "
                + "token store latency %d ms, error rate %.2f, concurrency %d, per tenant %d", options.integrations(),
                options.tenants(), options.providerLatency().toMillis(), options.storeLatency().toMillis(), options.errorRate(),
                options.concurrency(), options.perTenant());
        Measurement pipeline = measure(title, service, client, db);
        double ideal = options.integrations() * perRefreshLatency().toMillis() / 1000.0 / options.concurrency();
        line("  efficiency        %.2f  (ideal %.1f s = %d × %d ms ÷ %d)", ideal / pipeline.wallSeconds(), ideal,
                options.integrations(), perRefreshLatency().toMillis(), options.concurrency());
        line("  peak RSS incl. startup and seeding: %d MiB", startupPeak / 1024);
        line("");

        if (options.runs("throughput")) {
            db.update("UPDATE integration SET access_token_expires_at = now() WHERE status = 'active' AND tenant_id LIKE 'p-%'");
            harness.provider().latency(Duration.ZERO);
            harness.provider().errorRate(0);
            measure(String.format(Locale.ROOT, "zero-latency throughput: the same %d integrations made due again, "
                    + "provider latency 0 ms, token store latency %d ms", options.integrations(), options.storeLatency().toMillis()),
                    service, client, db);
            line("");
        }
        service.close();
        return pipeline;
    }

    /** One integration at a time, as a simple cron job would do it: a subset, seeded the same way. */
    private Measurement baseline() {
        Database db = harness.createDatabase("baseline");
        ServiceProcess service = harness.launch("baseline", db, refreshSettings(1, 1), options.jvmOptions()).awaitReady();
        ServiceClient client = harness.client(service);
        int tenants = Math.min(options.tenants(), options.baselineIntegrations());
        seed(client, "b", tenants, options.baselineIntegrations());
        harness.provider().latency(options.providerLatency());
        harness.provider().errorRate(options.errorRate());
        Measurement baseline = measure(String.format(Locale.ROOT, "naive baseline: concurrency 1, per tenant 1, %d integrations "
                + "over %d tenants (a subset), provider latency %d ms", options.baselineIntegrations(), tenants,
                options.providerLatency().toMillis()), service, client, db);
        line("");
        service.close();
        return baseline;
    }

    /** The claim statement as the service runs it, timed by PostgreSQL's statement log, on a large table. */
    private void claimQuery() {
        Database db = harness.createDatabase("claims");
        new Database(harness.postgres(), "postgres").update("ALTER DATABASE claims SET log_min_duration_statement = 0");
        ServiceProcess service = harness.launch("claims", db, Map.of("refresher.refresh.batch-size",
                Integer.toString(options.claimBatch())), options.jvmOptions()).awaitReady();
        long started = System.nanoTime();
        int tenants = Math.max(1, options.claimRows() / 1000);
        db.update("INSERT INTO tenant (id, display_name) SELECT 'c-' || t, 'Tenant ' || t FROM generate_series(0, "
                + (tenants - 1) + ") t");
        // Access tokens expire evenly over the next hour, so a quarter are within the 15-minute lead time; one in
        // fifty rows is expired or in error.
        db.update("""
                INSERT INTO integration (id, tenant_id, provider, provider_group, external_account, status,
                                         access_token_expires_at, last_refreshed_at, secret_name)
                SELECT gen_random_uuid(), 'c-' || (g %% %d), 'oauth2', '%s', 'user' || g || '@example.com',
                       CASE g %% 100 WHEN 0 THEN 'expired' WHEN 1 THEN 'error' ELSE 'active' END,
                       now() + (g %% 3600) * interval '1 second', now() - interval '45 minutes', 'integration-c-' || g
                  FROM generate_series(1, %d) g
                """.formatted(tenants, Harness.GROUP, options.claimRows()));
        db.update("ANALYZE");
        long due = db.count("SELECT count(*) FROM integration WHERE status = 'active' AND access_token_expires_at <= now() + interval '15 minutes'");
        line("claim query: %,d integrations over %,d tenants (%,d due), seeded by SQL in %.0f s", options.claimRows(), tenants, due,
                (System.nanoTime() - started) / 1e9);

        Path log = harness.workDirectory().resolve("postgres.log");
        long offset = size(log);
        RunSummary run = harness.client(service).trigger(ServiceClient.REFRESH_TASK,
                Map.of("limit", options.claimBatch() * options.claimBatches()));
        service.close();
        List<Double> inRun = ClaimLog.claimDurations(log, offset);
        if (!run.completed() || inRun.isEmpty()) {
            line("  the run did not complete or no claim was logged: %s", run);
            return;
        }
        line("  in a run (%d claims of up to %,d rows, while the run writes the previous batches' outcomes), "
                + "as PostgreSQL timed them (parse + bind + execute): %s", inRun.size(), options.claimBatch(), summary(inRun));

        // The same statement again, on a quiet database: each execution claims (and commits) the next batch.
        ClaimLog.Statement claim = ClaimLog.firstClaim(log, offset);
        List<Double> isolated = new ArrayList<>();
        String plan = null;
        try (Connection c = harness.postgres().connect("claims"); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("PREPARE claim AS " + claim.sql());
            for (int i = 0; i < options.claimBatches(); i++) {
                List<String> lines = new ArrayList<>();
                try (ResultSet r = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) EXECUTE claim("
                        + String.join(", ", claim.parameters()) + ")")) {
                    while (r.next()) {
                        lines.add(r.getString(1));
                    }
                }
                c.commit();
                isolated.add(millis(lines, "Planning Time: ") + millis(lines, "Execution Time: "));
                plan = plan == null ? String.join("\n", lines) : plan;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Re-running the logged claim statement failed", e);
        }
        line("  alone (the service's statement re-run on an idle database, planning + execution, EXPLAIN ANALYZE): %s",
                summary(isolated));
        write(harness.workDirectory().resolve("claim-plan.txt"), claim.sql() + "\n\n" + plan + "\n");
        line("  plan of the first: %s", harness.workDirectory().resolve("claim-plan.txt"));
        line("");
    }

    /** Valid-token reads at a fixed rate through {@code POST /v1/integrations/{id}/access-token}. */
    private void accessTokens() {
        Database db = harness.createDatabase("access");
        Map<String, String> settings = Map.of(
                "refresher.token-store.memory.latency", options.accessStoreLatency().toMillis() + "ms",
                // one key carries the whole load here: its own limit is not what is measured
                "refresher.access.rate-limit-per-key", Integer.toString(options.accessRate() * 10));
        ServiceProcess service = harness.launch("access", db, settings, options.jvmOptions()).awaitReady();
        AccessTokenBench.Figures f = AccessTokenBench.run(harness, service, options.accessIntegrations(),
                options.accessRate(), options.accessDuration());
        service.close();
        line("access tokens: %d valid integrations, %d requests/s for %d s (open loop, after a 5 s warm-up), token store "
                + "latency %d ms, cache TTL 60 s", f.integrations(), options.accessRate(), options.accessDuration().toSeconds(),
                options.accessStoreLatency().toMillis());
        line("  answers           %s (status: count) of %d sent, in %.1f s", f.statuses(), f.sent(), f.seconds());
        line("  latency           p50 %.1f ms, p99 %.1f ms, max %.1f ms (from each request's scheduled send time)",
                f.p50Millis(), f.p99Millis(), f.maxMillis());
        line("  token store reads %.0f in total, %.2f/s; %.2f per integration per 60 s cache interval",
                f.storeReads(), f.storeReadsPerSecond(), f.storeReads() / f.integrations() / (f.seconds() / 60));
        line("  CPU per request   %.2f ms service, %.2f ms PostgreSQL", f.serviceCpuSeconds() * 1000 / f.sent(),
                f.databaseCpuSeconds() * 1000 / f.sent());
        line("");
    }

    private static String summary(List<Double> millis) {
        List<Double> sorted = new ArrayList<>(millis);
        sorted.sort(Double::compare);
        return String.format(Locale.ROOT, "median %.1f ms, max %.1f ms; in order: %s", sorted.get(sorted.size() / 2),
                sorted.get(sorted.size() - 1), millis.stream().map(d -> String.format(Locale.ROOT, "%.1f", d)).toList());
    }

    private static double millis(List<String> plan, String label) {
        return plan.stream().filter(l -> l.trim().startsWith(label)).findFirst()
                .map(l -> Double.parseDouble(l.trim().substring(label.length()).replace(" ms", "")))
                .orElseThrow(() -> new IllegalStateException("No '" + label + "' in the plan: " + plan));
    }

    private Map<String, String> refreshSettings(int concurrency, int perTenant) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("refresher.refresh.concurrency", Integer.toString(concurrency));
        settings.put("refresher.refresh.per-tenant-concurrency", Integer.toString(perTenant));
        settings.put("refresher.token-store.memory.latency", options.storeLatency().toMillis() + "ms");
        // one connection per refresh in flight: the group's default pool (20) would otherwise cap the concurrency
        settings.put("refresher.providers." + Harness.GROUP + ".max-connections", Integer.toString(concurrency));
        return settings;
    }

    private void seed(ServiceClient client, String prefix, int tenants, int integrations) {
        long started = System.nanoTime();
        ApiSeeder.seed(client, harness.provider(), Harness.GROUP, prefix, tenants, integrations,
                Instant.now().plus(Duration.ofMinutes(5)), options.seedThreads());
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(Locale.ROOT, "(seeded %d integrations over %d tenants through the admin API in %.1f s)%n",
                integrations, tenants, seconds);
    }

    private Measurement measure(String title, ServiceProcess service, ServiceClient client, Database db) {
        line("%s", title);
        service.resetPeakRss();
        ProcStat before = service.usage();
        double databaseBefore = ProcStat.treeCpuSeconds(harness.postgres().pid());
        double harnessBefore = ProcStat.of(ProcessHandle.current().pid()).cpuSeconds();
        long[] writesBefore = writes(db);
        long started = System.nanoTime();
        List<RunSummary> runs = client.refreshUntilDone(Map.of(), 50);
        double wall = (System.nanoTime() - started) / 1e9;
        ProcStat after = service.usage();
        double databaseCpu = ProcStat.treeCpuSeconds(harness.postgres().pid()) - databaseBefore;
        double harnessCpu = ProcStat.of(ProcessHandle.current().pid()).cpuSeconds() - harnessBefore;
        RunSummary last = runs.get(runs.size() - 1);
        if (!last.completed()) {
            throw new IllegalStateException("A trigger failed: " + last + "\n" + service.logTail());
        }
        int refreshed = runs.stream().mapToInt(RunSummary::refreshed).sum();
        int other = runs.stream().mapToInt(r -> r.expired() + r.errored() + r.deferred()).sum();
        String[] runIds = runs.stream().map(RunSummary::runId).toArray(String[]::new);
        Object[] percentiles = db.rows("""
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms),
                       percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms),
                       sum(duration_ms) / 1000.0
                  FROM refresh_attempt WHERE outcome = 'refreshed' AND run_id::text = ANY(?)
                """, (Object) runIds).get(0);
        if (options.timeline()) {
            timeline(db, runIds);
        }
        Measurement m = new Measurement(runs.size(), refreshed, other, last.remaining(), wall,
                after.cpuSeconds() - before.cpuSeconds(), databaseCpu, harnessCpu, after.peakRssKiB(),
                number(percentiles[0]), number(percentiles[1]), number(percentiles[2]));
        line("  wall time         %.1f s  (%d run%s; refreshed %d, other outcomes %d, remaining %d)", m.wallSeconds(), m.runs(),
                m.runs() == 1 ? "" : "s", m.refreshed(), m.notRefreshed(), m.remaining());
        line("  refreshes/s       %.0f", m.perSecond());
        line("  latency           p50 %.0f ms, p99 %.0f ms per refresh (token store read + provider call + store write)",
                m.p50Millis(), m.p99Millis());
        line("  in flight         %.1f on average (sum of per-refresh times ÷ wall time)", m.refreshSeconds() / m.wallSeconds());
        line("  CPU per 1,000     %.2f s service, %.2f s PostgreSQL, %.2f s harness (fake provider, client)",
                m.perThousand(m.serviceCpuSeconds()), m.perThousand(m.databaseCpuSeconds()), m.perThousand(m.harnessCpuSeconds()));
        line("  peak RSS          %d MiB (service, during the runs)", m.peakRssKiB() / 1024);
        long[] writesAfter = writes(db);
        long updates = writesAfter[1] - writesBefore[1];
        // unlike CPU, these do not move with the machine's load: what a change of row width does to PostgreSQL
        line("  PostgreSQL writes %.0f bytes of WAL per refresh; %,d row updates of integration, %.0f %% of them HOT",
                (writesAfter[0] - writesBefore[0]) / (double) Math.max(1, m.refreshed()), updates,
                100.0 * (writesAfter[2] - writesBefore[2]) / Math.max(1, updates));
        return m;
    }

    /** WAL bytes of the whole server, and the integration table's updates and HOT updates, so far. */
    private static long[] writes(Database db) {
        Object[] r = db.rows("""
                SELECT (SELECT wal_bytes FROM pg_stat_wal)::bigint, n_tup_upd, n_tup_hot_upd
                  FROM pg_stat_user_tables WHERE relname = 'integration'
                """).get(0);
        return new long[] {((Number) r[0]).longValue(), ((Number) r[1]).longValue(), ((Number) r[2]).longValue()};
    }

    private Duration perRefreshLatency() {
        return options.providerLatency().plus(options.storeLatency().multipliedBy(2));
    }

    private void line(String format, Object... args) {
        String text = String.format(Locale.ROOT, format, args);
        System.out.println(text);
        report.append(text).append('\n');
    }

    /** Where a run's time went: its refreshes by how much longer than the ideal they took, and second by second. */
    private void timeline(Database db, String[] runIds) {
        long ideal = perRefreshLatency().toMillis();
        for (Object[] r : db.rows("""
                SELECT CASE WHEN over < 2 THEN '+0-2' WHEN over < 5 THEN '+2-5' WHEN over < 10 THEN '+5-10'
                            WHEN over < 30 THEN '+10-30' WHEN over < 80 THEN '+30-80' WHEN over < 150 THEN '+80-150'
                            ELSE '+150-' END, count(*), sum(over) / 1000.0, min(over)
                  FROM (SELECT duration_ms - ? AS over FROM refresh_attempt
                         WHERE outcome = 'refreshed' AND run_id::text = ANY(?)) a
                 GROUP BY 1 ORDER BY min(over)
                """, ideal, runIds)) {
            line("  latency %-8s ms over %d ms: %5s refreshes, %6.1f s in all", r[0], ideal, r[1], number(r[2]));
        }
        for (Object[] r : db.rows("""
                SELECT extract(epoch FROM second - min(second) OVER ()), started, busy
                  FROM (SELECT date_trunc('second', started_at) AS second, count(*) AS started, sum(duration_ms) / 1000.0 AS busy
                          FROM refresh_attempt WHERE run_id::text = ANY(?) GROUP BY 1) s
                 ORDER BY 1
                """, (Object) runIds)) {
            line("  second %2.0f: %4s started; their durations sum to %5.1f s", number(r[0]), r[1], number(r[2]));
        }
    }

    private static double number(Object value) {
        return value == null ? Double.NaN : ((Number) value).doubleValue();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double memoryGiB() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0) / 1024.0 / 1024.0;
        } catch (IOException e) {
            return 0;
        }
    }
}
