package dev.oauthrefresher.bench;

import dev.oauthrefresher.testsupport.WebhookReceiver;
import dev.oauthrefresher.testsupport.process.ApiSeeder;
import dev.oauthrefresher.testsupport.process.Database;
import dev.oauthrefresher.testsupport.process.Harness;
import dev.oauthrefresher.testsupport.process.ServiceClient;
import dev.oauthrefresher.testsupport.process.ServiceClient.RunSummary;
import dev.oauthrefresher.testsupport.process.ServiceProcess;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The growth phase of {@code bench/run}: which tables grow with traffic, by how many rows per operation and how many
 * bytes per row, extrapolated to a day at stated rates; then how fast the retention job drains them. Every table's row
 * count is read before and after each step (token reads, refreshes, status changes, disconnects), so each row is
 * attributed to the one kind of operation that step drove. Figures, not assertions: it fails only when the service is
 * not ready or a step wrote nothing.
 */
final class GrowthBench {

    /** The rates the extrapolation states (docs/RETENTION.md's growth table uses the same). */
    static final double READS_PER_DAY = 500.0 * 86_400;
    static final double REFRESHES_PER_DAY = 1_000_000.0 * 24;
    static final double RUNS_PER_DAY = 86_400 / 300.0;
    static final double STATUS_CHANGES_PER_DAY = REFRESHES_PER_DAY * 0.001;
    static final double DISCONNECTS_PER_DAY = 1_000_000 * 0.01;
    /** How far back the purge's rows are moved: past every default retention (the longest, audit, is 90 days). */
    private static final int AGED_DAYS = 100;
    /** Rows each table is copied up to at least, so that its bytes per row are not one page's overhead over a few rows. */
    private static final long SAMPLE_ROWS = 20_000;
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(5);
    private static final Map<String, Integer> DEFAULT_RETENTION_DAYS = Map.of("audit_event", 90, "refresh_attempt", 30,
            "webhook_event", 30, "webhook_delivery", 30, "trigger_run", 30, "disconnected_integration", 30);

    /** One step: its name, how many operations it drove, their daily rate, and each table's rows gained. */
    private record Step(String name, long operations, double perDay, Map<String, Long> rows) {
    }

    private final Harness harness;
    private final Options options;
    private final Consumer<String> out;
    private final List<Step> steps = new ArrayList<>();
    private long runs;
    private long refreshRuns;

    private GrowthBench(Harness harness, Options options, Consumer<String> out) {
        this.harness = harness;
        this.options = options;
        this.out = out;
    }

    static void run(Harness harness, Options options, Consumer<String> out) {
        new GrowthBench(harness, options, out).run();
    }

    private void run() {
        Database db = harness.createDatabase("growth");
        int n = options.growthIntegrations();
        int tenants = Math.max(1, Math.min(options.growthTenants(), n));
        // both come out of the first tenant's integrations, and leave it at least half of them to read
        int changes = Math.min(options.growthStatusChanges(), n / tenants / 4);
        int disconnects = Math.min(options.growthDisconnects(), n / tenants / 4);
        if (changes == 0 || disconnects == 0) {
            throw new IllegalArgumentException("--growth-integrations must be at least 4 × --growth-tenants");
        }
        out.accept(String.format("growth: %,d integrations over %d tenants, %d refresh rounds, %,d token reads at %d/s, "
                + "%d status changes to 1 webhook endpoint, %d disconnects; then the purge with %d copies of each aged row",
                n, tenants, options.growthRounds(), options.growthReads(), options.growthReadRate(), changes, disconnects,
                options.growthCopies()));
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            // one key carries every read, one tenant every disconnect: their limits are not what is measured
            ServiceProcess service = harness.launch("growth", db, Map.of("refresher.webhooks.allow-insecure-urls", "true",
                    "refresher.access.rate-limit-per-key", Integer.toString(options.growthReadRate() * 10),
                    "refresher.access.tenant-operations-per-second", "1000"),
                    options.jvmOptions()).awaitReady();
            ServiceClient client = harness.client(service);
            // due within the lead time at once, so the first round refreshes them all
            List<ApiSeeder.Seeded> seeded = ApiSeeder.seed(client, harness.provider(), Harness.GROUP, "g", tenants, n,
                    Instant.now().plus(Duration.ofMinutes(5)), options.seedThreads());
            String tenant = seeded.get(0).tenant();
            List<ApiSeeder.Seeded> own = seeded.stream().filter(s -> s.tenant().equals(tenant)).toList();
            String hooks = client.createApiKey(tenant, List.of("webhooks:write"));
            client.createWebhookEndpoint(hooks, receiver.url(), List.of("integration.expired", "integration.deleted"));
            String reader = client.createApiKey(tenant, List.of("tokens:read"));
            String writer = client.createApiKey(tenant, List.of("integrations:write"));

            Map<String, Long> before = counts(db);
            long refreshed = 0;
            for (int round = 0; round < options.growthRounds(); round++) {
                if (round > 0) {
                    db.update("UPDATE integration SET access_token_expires_at = now() WHERE status = 'active'");
                }
                refreshed += refreshAll(client, service);
            }
            refreshRuns = runs;
            before = step(db, before, "refresh", refreshed, REFRESHES_PER_DAY);

            UUID[] ids = own.subList(changes + disconnects, own.size()).stream().map(ApiSeeder.Seeded::id).toArray(UUID[]::new);
            int seconds = Math.max(1, options.growthReads() / options.growthReadRate());
            AccessTokenBench.Figures reads = AccessTokenBench.load(client, reader, ids, options.growthReadRate(),
                    Duration.ofSeconds(seconds));
            long ok = reads.statuses().getOrDefault(200, 0);
            out.accept(String.format("  token reads: %s (status: count) of %,d sent in %.1f s", reads.statuses(), reads.sent(),
                    reads.seconds()));
            before = step(db, before, "reads", ok, READS_PER_DAY);

            // grants the provider forgot: their next refresh ends expired, a status change and a webhook event each
            own.subList(0, changes).forEach(s -> harness.provider().revoke(s.grant()));
            db.update("UPDATE integration SET access_token_expires_at = now() WHERE id = ANY(?::uuid[])",
                    (Object) own.subList(0, changes).stream().map(s -> s.id().toString()).toArray(String[]::new));
            refreshAll(client, service);
            awaitDeliveries(db);
            before = step(db, before, "status", changes, STATUS_CHANGES_PER_DAY);

            for (ApiSeeder.Seeded s : own.subList(changes, changes + disconnects)) {
                HttpResponse<String> response = client.disconnect(writer, s.id());
                if (response.statusCode() != 204) {
                    throw new IllegalStateException("A disconnect answered " + response.statusCode() + ": " + response.body());
                }
            }
            awaitDeliveries(db);
            step(db, before, "disconnect", disconnects, DISCONNECTS_PER_DAY);
            service.close();
        }
        report(db);
        purge(db);
    }

    /** Triggers the refresh task until nothing remains; returns the integrations refreshed. */
    private long refreshAll(ServiceClient client, ServiceProcess service) {
        List<RunSummary> summaries = client.refreshUntilDone(Map.of(), 50);
        RunSummary last = summaries.get(summaries.size() - 1);
        if (!last.completed()) {
            throw new IllegalStateException("A trigger failed: " + last + "\n" + service.logTail());
        }
        runs += summaries.size();
        return summaries.stream().mapToLong(RunSummary::refreshed).sum();
    }

    /** Waits (with a deadline) until the outbox has delivered every event, so a step's deliveries are its own. */
    private static void awaitDeliveries(Database db) {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (db.count("SELECT count(*) FROM webhook_delivery WHERE status = 'pending'") > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Webhook deliveries still pending after a minute");
            }
            ServiceProcess.pause(Duration.ofMillis(200));
        }
    }

    private Map<String, Long> step(Database db, Map<String, Long> before, String name, long operations, double perDay) {
        Map<String, Long> after = counts(db);
        Map<String, Long> gained = new TreeMap<>();
        after.forEach((table, rows) -> {
            // only growth: a disconnect also deletes the integration and, by cascade, its attempts
            long delta = rows - before.getOrDefault(table, 0L);
            if (delta > 0) {
                gained.put(table, delta);
            }
        });
        if (operations == 0 || gained.isEmpty()) {
            throw new IllegalStateException("The " + name + " step drove " + operations + " operations and wrote " + gained);
        }
        steps.add(new Step(name, operations, perDay, gained));
        return after;
    }

    /** Every table of the schema (a partitioned table counted with its partitions), but the migration history. */
    private static Map<String, Long> counts(Database db) {
        Map<String, Long> counts = new TreeMap<>();
        for (Object[] r : db.rows("""
                SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
                 WHERE s.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                   AND c.relname <> 'flyway_schema_history'
                """)) {
            String table = (String) r[0];
            counts.put(table, db.count("SELECT count(*) FROM " + table));
        }
        return counts;
    }

    /**
     * Which step's operation drives a table's growth: the step that wrote most of its rows per day at the stated rates,
     * except that a trigger run is one per run (288 a day, whatever the number of integrations), and the status-change
     * step's refresh attempts and run are refreshes and runs already counted.
     */
    private double rowsPerDay(String table) {
        double perDay = 0;
        for (Step s : steps) {
            long rows = s.rows().getOrDefault(table, 0L);
            if (rows == 0 || (s.name().equals("status") && (table.equals("refresh_attempt") || table.equals("trigger_run")))) {
                continue;
            }
            if (table.equals("trigger_run")) {
                perDay += (double) rows / refreshRuns * RUNS_PER_DAY;
            } else {
                perDay += (double) rows / s.operations() * s.perDay();
            }
        }
        return perDay;
    }

    private void report(Database db) {
        TreeSet<String> tables = new TreeSet<>();
        steps.forEach(s -> tables.addAll(s.rows().keySet()));
        StringBuilder header = new StringBuilder(String.format("  %-26s", "rows gained in each step:"));
        steps.forEach(s -> header.append(String.format(" %18s", s.name() + " (" + s.operations() + ")")));
        out.accept(header.toString());
        for (String table : tables) {
            StringBuilder line = new StringBuilder(String.format("  %-26s", table));
            steps.forEach(s -> line.append(String.format(" %,18d", s.rows().getOrDefault(table, 0L))));
            out.accept(line.toString());
        }
        out.accept(String.format("  (%d trigger runs in all, %d of them in the refresh step)", runs, refreshRuns));
        out.accept("  not driven here: used_signature (one per QStash-signed trigger; these are bearer triggers), "
                + "replica_heartbeat (one per replica, Key Vault store only), revocation (a disconnect's row until the "
                + "provider revokes; this group declares no revocation endpoint), connect_session (hosted consent)");
        Step reads = steps.stream().filter(s -> s.name().equals("reads")).findFirst().orElseThrow();
        Step refresh = steps.stream().filter(s -> s.name().equals("refresh")).findFirst().orElseThrow();
        out.accept(String.format("  per 1,000 token reads:  %s", perThousand(reads)));
        out.accept(String.format("  per 1,000 refreshes:    %s (trigger_run: %.2f per run)", perThousand(refresh),
                (double) refresh.rows().getOrDefault("trigger_run", 0L) / refreshRuns));

        // a few copies of every row, so that bytes per row are not one page's overhead divided by a few rows
        copies(db, options.growthCopies());
        db.update("VACUUM ANALYZE");
        out.accept(String.format("  at 500 token reads/s (%.1f M a day), 1 M integrations refreshed hourly (%.0f M a day, "
                + "%.0f runs), %.0f k status changes and %.0f k disconnects a day; bytes per row = pg_total_relation_size over "
                + "every partition, indexes and TOAST included, over the rows the phase wrote and copies of them (%d each, or up "
                + "to %,d rows a table if that is more):",
                READS_PER_DAY / 1e6, REFRESHES_PER_DAY / 1e6, RUNS_PER_DAY, STATUS_CHANGES_PER_DAY / 1e3,
                DISCONNECTS_PER_DAY / 1e3, options.growthCopies(), SAMPLE_ROWS));
        out.accept(String.format("  %-26s %14s %10s %12s %10s %s", "table", "rows a day", "rows held", "bytes a row", "a day",
                "kept at the default"));
        for (String table : tables) {
            double perDay = rowsPerDay(table);
            if (perDay == 0) {
                continue;
            }
            // pg_partition_tree lists a partitioned table's partitions (and itself, 0 bytes); nothing for a plain table
            Object[] size = db.rows("SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('"
                    + table + "')), pg_total_relation_size('" + table + "')), (SELECT count(*) FROM " + table + ")").get(0);
            long bytes = ((Number) size[0]).longValue();
            long rows = ((Number) size[1]).longValue();
            double perRow = rows == 0 ? Double.NaN : (double) bytes / rows;
            Integer days = DEFAULT_RETENTION_DAYS.get(table);
            out.accept(String.format("  %-26s %14s %,10d %12.0f %10s %s", table, human(perDay, ""), rows, perRow,
                    human(perDay * perRow, "B"), days == null ? "(no retention setting)" : days + " d: "
                            + human(perDay * days, " rows") + ", " + human(perDay * perRow * days, "B")));
        }
    }

    private static String perThousand(Step s) {
        StringBuilder text = new StringBuilder();
        s.rows().forEach((table, rows) -> text.append(text.isEmpty() ? "" : ", ")
                .append(String.format("%s %.1f", table, rows * 1000.0 / s.operations())));
        return text.toString();
    }

    /**
     * {@code copies} more rows shaped like each the phase wrote in the tables that grow (new keys, times a millisecond
     * apart), or as many as make {@value #SAMPLE_ROWS} rows if that is more, as GrowthMeasurementTest does: they are both
     * the size sample and the purge's backlog.
     */
    private static void copies(Database db, int copies) {
        Map<String, String> g = new HashMap<>();
        for (String table : List.of("audit_event", "refresh_attempt", "trigger_run", "webhook_event", "webhook_delivery",
                "disconnected_integration")) {
            long rows = Math.max(1, db.count("SELECT count(*) FROM " + table));
            g.put(table, " CROSS JOIN generate_series(1, " + Math.max(copies, (SAMPLE_ROWS + rows - 1) / rows - 1) + ") g");
        }
        // an event's deliveries are copied with it, as often
        g.put("webhook_delivery", g.get("webhook_event"));
        db.update("INSERT INTO audit_event (at, actor, action, tenant_id, integration_id, detail) SELECT a.at + g * interval "
                + "'1 ms', a.actor, a.action, a.tenant_id, a.integration_id, a.detail FROM audit_event a" + g.get("audit_event"));
        db.update("INSERT INTO refresh_attempt (integration_id, tenant_id, run_id, started_at, finished_at, outcome, "
                + "provider_status, error_code, duration_ms, note) SELECT a.integration_id, a.tenant_id, a.run_id, a.started_at + g * "
                + "interval '1 ms', a.finished_at + g * interval '1 ms', a.outcome, a.provider_status, a.error_code, "
                + "a.duration_ms, a.note FROM refresh_attempt a" + g.get("refresh_attempt"));
        db.update("INSERT INTO trigger_run (id, task, trigger_kind, message_id, started_at, finished_at, outcome, selected, "
                + "refreshed, expired, errored, deferred, skipped, remaining, summary) SELECT gen_random_uuid(), r.task, "
                + "r.trigger_kind, r.message_id, r.started_at + g * interval '1 ms', r.finished_at + g * interval '1 ms', "
                + "r.outcome, r.selected, r.refreshed, r.expired, r.errored, r.deferred, r.skipped, r.remaining, r.summary "
                + "FROM trigger_run r" + g.get("trigger_run"));
        // an event's copies get ids derived from (its id, g), so that its deliveries' copies can name them
        db.update("INSERT INTO webhook_event (id, tenant_id, integration_id, type, status_version, payload, created_at) "
                + "SELECT md5(e.id::text || g)::uuid, e.tenant_id, e.integration_id, e.type, e.status_version, e.payload, "
                + "e.created_at + g * interval '1 ms' FROM webhook_event e" + g.get("webhook_event"));
        db.update("INSERT INTO webhook_delivery (event_id, endpoint_id, integration_id, status, attempts, next_attempt_at, "
                + "last_attempt_at, last_response_status, last_error, created_at, finished_at) SELECT md5(d.event_id::text || g)"
                + "::uuid, d.endpoint_id, d.integration_id, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, "
                + "d.last_response_status, d.last_error, d.created_at + g * interval '1 ms', d.finished_at + g * interval '1 ms' "
                + "FROM webhook_delivery d" + g.get("webhook_delivery"));
        db.update("INSERT INTO disconnected_integration (id, tenant_id, disconnected_at) SELECT gen_random_uuid(), "
                + "t.tenant_id, t.disconnected_at + g * interval '1 ms' FROM disconnected_integration t"
                + g.get("disconnected_integration"));
    }

    /**
     * The purge's throughput: every row moved {@value #AGED_DAYS} days back by SQL (the minimums forbid a retention of
     * seconds), then a second process with the default retentions and a 2 s period drains them; its metrics are polled.
     */
    private void purge(Database db) {
        Map<String, Long> aged = age(db);
        out.accept(String.format("purge: rows moved %d days back by SQL (retention minimums forbid seconds: audit and "
                + "tombstones 1 d, trigger runs 7 d), every audit_event row into one day partition of its own; then a new "
                + "process, default retentions, refresher.retention.period=2s, batch-size %d; its metrics polled every 50 ms",
                AGED_DAYS, 5000));
        out.accept(String.format("  aged backlog: %s; PostgreSQL %s, fsync %s, synchronous_commit %s", aged,
                db.rows("SHOW server_version").get(0)[0], db.rows("SHOW fsync").get(0)[0],
                db.rows("SHOW synchronous_commit").get(0)[0]));
        // PostgreSQL times every statement of this database from here on: the purge's DELETEs and DROPs among them
        new Database(harness.postgres(), "postgres").update("ALTER DATABASE " + db.name() + " SET log_min_duration_statement = 0");
        Path log = harness.workDirectory().resolve("postgres.log");
        long offset = size(log);
        ServiceProcess service = harness.launch("growth-purge", db, Map.of("refresher.retention.period", "2s"),
                options.jvmOptions()).awaitReady();
        ServiceClient client = harness.client(service);
        Map<String, Long> first = new LinkedHashMap<>();
        Map<String, Long> last = new LinkedHashMap<>();
        Map<String, Double> purged = new TreeMap<>();
        long started = System.nanoTime();
        long deadline = started + DRAIN_TIMEOUT.toNanos();
        double passes = client.counter("refresher_retention_passes_total");
        double dropped = 0;
        while (true) {
            long now = System.nanoTime();
            for (String table : aged.keySet()) {
                double rows = client.sample("refresher_retention_purged_rows_total{table=\"" + table + "\"}").orElse(0);
                if (rows > purged.getOrDefault(table, 0.0)) {
                    first.putIfAbsent(table, now);
                    last.put(table, now);
                    purged.put(table, rows);
                }
            }
            dropped = client.sample("refresher_retention_partitions_total{action=\"dropped\",table=\"audit_event\"}").orElse(0);
            boolean partitionGone = dropped > 0;
            boolean done = aged.keySet().stream().allMatch(t -> purged.getOrDefault(t, 0.0) >= aged.get(t)
                    || t.equals("audit_event") && partitionGone);
            if (done && client.counter("refresher_retention_passes_total") > passes + 1) {
                break;
            }
            if (now > deadline) {
                throw new IllegalStateException("The purge did not drain the aged rows in " + DRAIN_TIMEOUT + ": " + purged
                        + " of " + aged + "\n" + service.logTail());
            }
            ServiceProcess.pause(Duration.ofMillis(50));
        }
        Map<String, double[]> statements = purgeStatements(log, offset);
        double wall = (last.values().stream().mapToLong(Long::longValue).max().orElse(0)
                - first.values().stream().mapToLong(Long::longValue).min().orElse(0)) / 1e9;
        out.accept(String.format("  %-26s %12s %11s %14s %12s %14s", "table", "rows purged", "statements", "statement s",
                "rows/s", "polled s"));
        double total = 0;
        for (String table : aged.keySet()) {
            double polled = (last.getOrDefault(table, 0L) - first.getOrDefault(table, 0L)) / 1e9;
            double rows = purged.getOrDefault(table, 0.0);
            double[] timed = statements.getOrDefault(table, new double[2]);
            total += rows;
            out.accept(String.format("  %-26s %,12.0f %11.0f %14.3f %12s %14s", table, rows, timed[0], timed[1] / 1000,
                    timed[1] > 0 ? String.format("%,.0f", rows / (timed[1] / 1000)) : "-", polled > 0 ? String.format("%.2f", polled)
                            : "(one poll)"));
        }
        out.accept(String.format("  in all: %,.0f rows in %.2f s between the first and the last poll that saw a counter move "
                + "(%,.0f rows/s, the pass's commits and lock takes included)", total, wall, wall > 0 ? total / wall : Double.NaN));
        out.accept(String.format("  audit_event partitions dropped: %.0f (the rows column above is the planner's estimate "
                + "of their rows); left: %s", dropped, db.count("SELECT count(*) FROM audit_event")));
        out.accept(String.format("  passes %s; left after them: %s", client.counter("refresher_retention_passes_total") - passes,
                remaining(db, aged.keySet())));
        out.accept("  (statements: the DELETE batches or the DROP TABLE; statement s: their time and their commits' as "
                + "PostgreSQL logged it (parse + bind + execute); polled s: from the first poll that saw the table's counter move to the last, "
                + "50 ms apart, so a table done between two polls reads as one poll)");
        service.close();
    }

    // "2026-11-23 22:10:00.123 UTC [4242] LOG:  duration: 3.456 ms  execute S_1: DELETE FROM refresh_attempt WHERE ..."
    private static final Pattern TIMED = Pattern.compile("\\[(\\d+)\\] LOG:  duration: ([0-9.]+) ms  (parse|bind|execute) [^:]*: (.*)");
    private static final Pattern PURGE = Pattern.compile("^(?:DELETE FROM|DROP TABLE) (\\w+)");

    /**
     * Per table (a dropped partition counted as its parent's), the purge's executions and their milliseconds: each DELETE
     * batch or DROP TABLE (parse, bind, execute) and the COMMIT the same backend sent next, where a drop's files go.
     */
    private static Map<String, double[]> purgeStatements(Path log, long offset) {
        Map<String, double[]> byTable = new TreeMap<>();
        Map<String, String> openByBackend = new HashMap<>();
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            file.seek(offset);
            byte[] bytes = new byte[(int) (file.length() - offset)];
            file.readFully(bytes);
            new String(bytes, StandardCharsets.UTF_8).lines().map(TIMED::matcher).filter(Matcher::find).forEach(m -> {
                String backend = m.group(1);
                Matcher purge = PURGE.matcher(m.group(4));
                String table;
                if (purge.find()) {
                    table = purge.group(1).startsWith("audit_event_") ? "audit_event" : purge.group(1);
                    openByBackend.put(backend, table);
                } else if (m.group(4).trim().equals("COMMIT")) {
                    table = m.group(3).equals("execute") ? openByBackend.remove(backend) : openByBackend.get(backend);
                } else {
                    return;
                }
                if (table != null) {
                    double[] timed = byTable.computeIfAbsent(table, t -> new double[2]);
                    timed[0] += m.group(3).equals("execute") && !m.group(4).trim().equals("COMMIT") ? 1 : 0;
                    timed[1] += Double.parseDouble(m.group(2));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return byTable;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Long> remaining(Database db, Iterable<String> tables) {
        Map<String, Long> left = new TreeMap<>();
        tables.forEach(t -> left.put(t, db.count("SELECT count(*) FROM " + t)));
        return left;
    }

    /**
     * Moves every row of the tables the job purges {@value #AGED_DAYS} days back. {@code audit_event} is purged by whole
     * day partitions, so its rows go to a day partition of that date, named as the job names its own: the partition the
     * migration made of everything before its first midnight (where today's rows are) is detached and dropped, which
     * leaves today to the default partition in this scratch database.
     */
    private static Map<String, Long> age(Database db) {
        String back = "interval '" + AGED_DAYS + " days'";
        db.update("UPDATE refresh_attempt SET started_at = started_at - " + back + ", finished_at = finished_at - " + back);
        db.update("UPDATE trigger_run SET started_at = started_at - " + back + ", finished_at = finished_at - " + back);
        db.update("UPDATE webhook_event SET created_at = created_at - " + back);
        db.update("UPDATE webhook_delivery SET created_at = created_at - " + back + ", finished_at = finished_at - " + back
                + ", next_attempt_at = next_attempt_at - " + back);
        db.update("UPDATE disconnected_integration SET disconnected_at = disconnected_at - " + back);
        db.update("CREATE TABLE growth_audit AS SELECT * FROM audit_event");
        db.update("ALTER TABLE audit_event DETACH PARTITION audit_event_legacy");
        db.update("DROP TABLE audit_event_legacy");
        db.update("TRUNCATE audit_event");
        Object day = db.rows("SELECT to_char(current_date - " + AGED_DAYS + ", 'YYYYMMDD'), current_date - " + AGED_DAYS).get(0)[0];
        db.update("CREATE TABLE audit_event_p" + day + " PARTITION OF audit_event FOR VALUES FROM ('" + day + "') TO (date '"
                + day + "' + 1)");
        db.update("INSERT INTO audit_event SELECT id, date '" + day + "' + (at - date_trunc('day', at)), actor, action, tenant_id, "
                + "integration_id, detail FROM growth_audit");
        db.update("DROP TABLE growth_audit");
        db.update("ANALYZE");
        Map<String, Long> aged = new LinkedHashMap<>();
        for (String table : List.of("audit_event", "webhook_delivery", "webhook_event", "trigger_run", "refresh_attempt",
                "disconnected_integration")) {
            aged.put(table, db.count("SELECT count(*) FROM " + table));
        }
        return aged;
    }

    private static String human(double value, String unit) {
        String[] prefixes = {"", " k", " M", " G", " T"};
        int i = 0;
        while (Math.abs(value) >= 1000 && i < prefixes.length - 1) {
            value /= 1000;
            i++;
        }
        String suffix = unit.equals("B") ? prefixes[i].trim().isEmpty() ? " B" : prefixes[i] + "B" : prefixes[i] + unit;
        return String.format(value < 10 ? "%.1f%s" : "%.0f%s", value, suffix);
    }
}
