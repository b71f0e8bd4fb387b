package dev.oauthrefresher.bench;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.keyring.KeyRing;
import dev.oauthrefresher.keyring.TestRings;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.KeyVaultFake;
import dev.oauthrefresher.testsupport.process.Database;
import dev.oauthrefresher.testsupport.process.Harness;
import dev.oauthrefresher.testsupport.process.ProcStat;
import dev.oauthrefresher.testsupport.process.ServiceClient;
import dev.oauthrefresher.testsupport.process.ServiceClient.RunSummary;
import dev.oauthrefresher.testsupport.process.ServiceProcess;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenSet;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code bench/run soak}: the steady state a deployment lives in. N integrations whose access tokens come due
 * continuously (expiries spread uniformly, time-compressed lifetimes), the CronJob trigger every interval, for a
 * fixed duration, against the service in Key Vault mode (the real Azure SDK path) talking to the harness's
 * HTTPS Key Vault fake that enforces the vault's service limit (429 with {@code Retry-After}) with a latency,
 * and the fake provider with its latency. Rows and secrets are seeded straight into PostgreSQL and the fake.
 * Figures, not assertions.
 */
public final class Soak {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /**
     * The soak's settings; {@code --quick} gives the short defaults, {@code --key=value} changes any.
     *
     * @param integrations N
     * @param tenants T; half of the rows belong to tenant 0, the rest are spread evenly over the others
     * @param lifetime L, the access tokens' lifetime (the fake provider's {@code expires_in})
     * @param duration how long the soak is measured
     * @param interval the CronJob's period
     * @param leadTime {@code refresher.refresh.lead-time}
     * @param runBudget {@code refresher.refresh.run-budget} (the lease is this plus a quarter)
     * @param vaultLimit Key Vault transactions per 10 s per vault
     * @param vaultLatencyMin fastest Key Vault answer
     * @param vaultLatencyMax slowest Key Vault answer
     * @param providerLatency the fake token endpoint's delay per call
     * @param vaultRequestsPerSecond {@code refresher.token-store.key-vault.max-requests-per-second}
     * @param concurrency {@code refresher.refresh.concurrency} (and the provider group's {@code max-connections})
     * @param vaults how many vaults (Key Vault fakes, each with its own service limit); rows are spread evenly
     *        over them, recorded on each row as the service does
     * @param jvmOptions the service's JVM options
     * @param sealed the sealed layout: every row's tokens in PostgreSQL ({@code database}), none in a vault
     * @param writeAccessTokens {@code refresher.token-store.write-access-tokens}
     */
    record Options(boolean quick, int integrations, int tenants, Duration lifetime, Duration duration, Duration interval,
            Duration leadTime, Duration runBudget, int vaultLimit, Duration vaultLatencyMin, Duration vaultLatencyMax,
            Duration providerLatency, int vaultRequestsPerSecond, int concurrency, int vaults, List<String> jvmOptions,
            boolean sealed, boolean writeAccessTokens) {

        private static final Set<String> KEYS = Set.of("quick", "integrations", "tenants", "lifetime-s", "duration-s",
                "interval-s", "lead-time-s", "run-budget-s", "vault-limit", "vault-latency-min-ms", "vault-latency-max-ms",
                "provider-latency-ms", "vault-requests-per-second", "concurrency", "vaults", "jvm-options", "layout",
                "write-access-tokens");

        static Options parse(String[] args) {
            Map<String, String> values = new HashMap<>();
            for (String arg : args) {
                int eq = arg.indexOf('=');
                String key = eq < 0 ? arg.replaceFirst("^--", "") : arg.substring(2, eq);
                if (!arg.startsWith("--") || !KEYS.contains(key)) {
                    throw new IllegalArgumentException("Unknown soak option " + arg + "; known: --" + String.join(", --", KEYS));
                }
                values.put(key, eq < 0 ? "true" : arg.substring(eq + 1));
            }
            boolean quick = Boolean.parseBoolean(values.getOrDefault("quick", "false"));
            String jvm = values.getOrDefault("jvm-options", String.join(" ", Harness.SERVICE_JVM)).trim();
            return new Options(quick,
                    integer(values, "integrations", quick ? 20_000 : 80_000),
                    integer(values, "tenants", quick ? 50 : 200),
                    seconds(values, "lifetime-s", 360),
                    seconds(values, "duration-s", quick ? 120 : 900),
                    seconds(values, "interval-s", 30),
                    seconds(values, "lead-time-s", 90),
                    seconds(values, "run-budget-s", 27),
                    integer(values, "vault-limit", 4000),
                    Duration.ofMillis(integer(values, "vault-latency-min-ms", 10)),
                    Duration.ofMillis(integer(values, "vault-latency-max-ms", 20)),
                    Duration.ofMillis(integer(values, "provider-latency-ms", 100)),
                    integer(values, "vault-requests-per-second", 400),
                    integer(values, "concurrency", 64),
                    integer(values, "vaults", 2),
                    jvm.isEmpty() ? List.of() : List.of(jvm.split("\\s+")),
                    layout(values.getOrDefault("layout", "vault")),
                    Boolean.parseBoolean(values.getOrDefault("write-access-tokens", "false")));
        }

        /** {@code vault}: one secret per row in the vault fakes; {@code sealed}: rows in {@code database}, sealed in PostgreSQL. */
        private static boolean layout(String value) {
            return switch (value) {
                case "vault" -> false;
                case "sealed" -> true;
                default -> throw new IllegalArgumentException("--layout is vault or sealed, not " + value);
            };
        }

        private static int integer(Map<String, String> values, String key, int fallback) {
            return values.containsKey(key) ? Integer.parseInt(values.get(key)) : fallback;
        }

        private static Duration seconds(Map<String, String> values, String key, int fallback) {
            return Duration.ofSeconds(integer(values, key, fallback));
        }
    }

    /** One refresh as the provider saw it: whose, and how long its access token had left. */
    private record Refresh(String tenant, long marginMillis) {
    }

    private final Options options;
    private final Harness harness;
    /** The sealed layout's ring: the Key Vault secret the service reads it from, its one key (32 bytes, base64). */
    private static final String KEY_RING_SECRET = "oauth-refresher-keyring";
    private static final String KEY_ID = "soak-1";
    private static final String KEY = "c29hay1zZWFsZWQtbGF5b3V0LWtleS0zMi1ieXRlcyE=";

    /** The vaults by the name the service knows them by; the harness's own is {@code default}. */
    private final Map<String, KeyVaultFake> vaults = new LinkedHashMap<>();
    private final StringBuilder report = new StringBuilder();
    private final Map<String, Long> expiryByGrant = new ConcurrentHashMap<>();
    private final Map<String, String> tenantByGrant = new ConcurrentHashMap<>();
    private final List<Refresh> refreshes = Collections.synchronizedList(new ArrayList<>());
    private final List<RunSummary> runs = new CopyOnWriteArrayList<>();
    private volatile boolean measuring;

    private Soak(Options options, Harness harness) {
        this.options = options;
        this.harness = harness;
    }

    public static void main(String[] args) {
        Options options = Options.parse(args);
        Path work = Path.of("bench", "out", STAMP.format(Instant.now()) + "-soak" + (options.quick() ? "-quick" : ""));
        try (Harness harness = Harness.start(work, FakeTokenEndpoint.Mode.GOOGLE, Harness.TokenStore.KEY_VAULT)) {
            new Soak(options, harness).run();
        }
    }

    private void run() {
        FakeTokenEndpoint provider = harness.provider();
        provider.latency(options.providerLatency());
        provider.expiresIn(options.lifetime().toSeconds());
        provider.onRefreshed(this::refreshed);
        vaults.put("default", harness.keyVault());
        for (int v = 2; v <= options.vaults(); v++) {
            vaults.put("shard-" + v, KeyVaultFake.start());
        }
        vaults.values().forEach(vault -> {
            vault.latency(options.vaultLatencyMin(), options.vaultLatencyMax());
            vault.enforceServiceLimit(options.vaultLimit());
        });

        line("oauth-refresher soak%s, %s UTC, commit %s; load average before: %s", options.quick() ? " (quick)" : "",
                DateTimeFormatter.ISO_LOCAL_DATE_TIME.withZone(ZoneOffset.UTC).format(Instant.now()).substring(0, 19),
                System.getenv().getOrDefault("BENCH_COMMIT", "unknown"), Bench.loadAverage());
        line("%,d integrations over %d tenants (half in one), %s layout, %d s tokens, trigger every %d s, lead time %d s, "
                + "run budget %d s, for %d s; concurrency %d; %d Key Vault(s): %,d transactions per 10 s each, %d-%d ms, client cap %d/s "
                + "per vault; provider %d ms",
                options.integrations(), options.tenants(), options.sealed() ? "sealed (tokens in PostgreSQL)" : "vault",
                options.lifetime().toSeconds(), options.interval().toSeconds(),
                options.leadTime().toSeconds(), options.runBudget().toSeconds(), options.duration().toSeconds(),
                options.concurrency(), options.vaults(), options.vaultLimit(), options.vaultLatencyMin().toMillis(),
                options.vaultLatencyMax().toMillis(), options.vaultRequestsPerSecond(), options.providerLatency().toMillis());

        if (options.sealed()) {
            // the service reads its ring from the vault named default; the harness seals the rows with the same key
            harness.keyVault().seed(KEY_RING_SECRET, "{\"current\":\"" + KEY_ID + "\",\"keys\":{\"" + KEY_ID + "\":\""
                    + KEY + "\"}}", "application/json");
        }
        Database db = harness.createDatabase("soak");
        ServiceProcess service = harness.launch("soak", db, settings(), options.jvmOptions()).awaitReady();
        seed(db);
        ServiceClient client = harness.client(service);

        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4);
        List<long[]> vaultSamples = new CopyOnWriteArrayList<>();
        long[] overdueMax = {0};
        AtomicInteger overdueSamples = new AtomicInteger();
        AtomicInteger missedSamples = new AtomicInteger();
        HttpClient http = HttpClient.newHttpClient();
        service.resetPeakRss();
        ProcStat before = service.usage();
        long servedBefore = served();
        long throttledBefore = throttled();
        long started = System.nanoTime();
        measuring = true;
        scheduler.scheduleAtFixedRate(() -> runs.add(client.trigger(ServiceClient.REFRESH_TASK, Map.of())),
                0, options.interval().toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleAtFixedRate(() -> {
            vaultSamples.add(vaults.values().stream().mapToLong(KeyVaultFake::served).toArray());
            OptionalLong overdue = overdue(http, service);
            if (overdue.isEmpty()) {
                missedSamples.incrementAndGet();
                return;
            }
            overdueSamples.incrementAndGet();
            synchronized (overdueMax) {
                overdueMax[0] = Math.max(overdueMax[0], overdue.getAsLong());
            }
        }, 0, 1, TimeUnit.SECONDS);
        sleep(options.duration());
        measuring = false;
        double wall = (System.nanoTime() - started) / 1e9;
        ProcStat after = service.usage();
        long served = served() - servedBefore;
        long throttled = throttled() - throttledBefore;
        scheduler.shutdownNow();

        List<Refresh> done;
        synchronized (refreshes) {
            done = List.copyOf(refreshes);
        }
        long[] margins = done.stream().mapToLong(Refresh::marginMillis).sorted().toArray();
        long late = Arrays.stream(margins).filter(m -> m < 0).count();
        double cpu = after.cpuSeconds() - before.cpuSeconds();
        line("");
        line("  refreshes/s        %.0f sustained (%,d refreshes in %.0f s; expected in steady state about %.0f/s)",
                done.size() / wall, done.size(), wall, options.integrations() / (double) (options.lifetime().minus(options.leadTime()).toSeconds()));
        if (margins.length > 0) {
            line("  time left          min %.1f s, p1 %.1f s, p50 %.1f s before expiry when refreshed (lead time %d s)",
                    margins[0] / 1e3, percentile(margins, 0.01) / 1e3, percentile(margins, 0.5) / 1e3, options.leadTime().toSeconds());
        }
        line("  refreshed late     %d (after expiry; goal 0)", late);
        line("  overdue gauge      max %d (refresher_integrations_overdue, %d samples, one a second; %d unanswered)",
                overdueMax[0], overdueSamples.get(), missedSamples.get());
        line("  Key Vault          %.0f transactions/s (limit %.0f/s over %d vault(s)), busiest 10 s of one vault: %,d of %,d; "
                + "throttled %.2f %% (%,d of %,d)", served / wall, options.vaults() * options.vaultLimit() / 10.0, options.vaults(),
                busiestWindow(vaultSamples), options.vaultLimit(), 100.0 * throttled / Math.max(1, served + throttled),
                throttled, served + throttled);
        Object[] durations = db.rows("""
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms),
                       percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)
                  FROM refresh_attempt WHERE outcome = 'refreshed'""").get(0);
        line("  per refresh        p50 %.0f ms, p99 %.0f ms (vault read + provider call + vault write, as the service timed them)",
                ((Number) durations[0]).doubleValue(), ((Number) durations[1]).doubleValue());
        line("  CPU per 1,000      %.2f s service", done.isEmpty() ? Double.NaN : cpu * 1000 / done.size());
        line("  peak RSS           %d MiB (service)", after.peakRssKiB() / 1024);
        Map.Entry<String, Long> worst = perTenantP1(done).entrySet().stream().min(Map.Entry.comparingByValue())
                .orElse(Map.entry("none", 0L));
        line("  fairness           worst tenant's p1 time left %.1f s (%s)", worst.getValue() / 1e3, worst.getKey());
        line("  runs               %d triggered, %d completed, %,d refreshed, %,d deferred", runs.size(),
                runs.stream().filter(RunSummary::completed).count(), runs.stream().mapToInt(RunSummary::refreshed).sum(),
                runs.stream().mapToInt(RunSummary::deferred).sum());
        Bench.write(harness.workDirectory().resolve("report.txt"), report.toString());
        service.close();
        vaults.values().stream().filter(vault -> vault != harness.keyVault()).forEach(KeyVaultFake::close);
    }

    private long served() {
        return vaults.values().stream().mapToLong(KeyVaultFake::served).sum();
    }

    private long throttled() {
        return vaults.values().stream().mapToLong(KeyVaultFake::throttled).sum();
    }

    private Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("refresher.refresh.lead-time", options.leadTime().toSeconds() + "s");
        settings.put("refresher.refresh.run-budget", options.runBudget().toSeconds() + "s");
        // time is compressed, so are the timeouts: one refresh's worst case (2 × (3 × (2 s + 0.5 s permit wait) + 2 × 2 s)
        // for the vault, 2 × 1 s + 3 s for the provider = 28 s) must fit the lease after a renewal interval of a fifth of it
        settings.put("refresher.refresh.lease", options.runBudget().plusSeconds(12).toSeconds() + "s");
        settings.put("refresher.token-store.key-vault.request-timeout", "2s");
        // 64 refreshes in flight queue for at most 64 ÷ 360/s = 0.18 s of permits at the default budget share
        settings.put("refresher.token-store.key-vault.scheduled-max-permit-wait", "500ms");
        settings.put("refresher.token-store.key-vault.on-demand-max-permit-wait", "500ms");
        settings.put("refresher.token-store.key-vault.max-attempts", "3");
        settings.put("refresher.token-store.key-vault.max-retry-wait", "2s");
        settings.put("refresher.providers." + Harness.GROUP + ".connect-timeout", "1s");
        settings.put("refresher.providers." + Harness.GROUP + ".request-timeout", "3s");
        settings.put("refresher.refresh.expected-trigger-interval", options.interval().toSeconds() + "s");
        settings.put("refresher.refresh.gauge-interval", "1s");
        settings.put("refresher.token-store.key-vault.max-requests-per-second", Integer.toString(options.vaultRequestsPerSecond()));
        settings.put("refresher.cron.fallback.cron", "off");
        // false, the setting once a rollout is complete: a refresh that keeps its refresh token reads the vault once
        settings.put("refresher.token-store.write-access-tokens", Boolean.toString(options.writeAccessTokens()));
        settings.put("refresher.refresh.concurrency", Integer.toString(options.concurrency()));
        settings.put("refresher.providers." + Harness.GROUP + ".max-connections", Integer.toString(options.concurrency()));
        vaults.forEach((name, vault) -> {
            if (!name.equals("default")) {
                settings.put("refresher.token-store.key-vault.vaults." + name, vault.vaultUrl());
            }
        });
        settings.put("quarkus.tls.key-vault-fake.trust-store.pem.certs",
                String.join(",", vaults.values().stream().map(vault -> vault.certificatePem().toString()).toList()));
        return settings;
    }

    /**
     * Tenants, rows and secrets straight into PostgreSQL and the vault fake (the admin API would take minutes for
     * 100,000): expiries spread uniformly between the lead time and the lifetime from now, so the soak starts in
     * the steady state instead of with a burst of everything already due.
     */
    private void seed(Database db) {
        List<String> names = List.copyOf(vaults.keySet());
        long started = System.nanoTime();
        Instant now = Instant.now();
        long spanMillis = options.lifetime().minus(options.leadTime()).toMillis();
        KeyRing ring = TestRings.of(KEY_ID, KEY);
        try (Connection c = harness.postgres().connect(db.name());
                PreparedStatement sealedTokens = c.prepareStatement(
                        "INSERT INTO integration_token (integration_id, sealed_tokens, key_id) VALUES (?, ?, ?)")) {
            c.setAutoCommit(false);
            try (PreparedStatement tenant = c.prepareStatement("INSERT INTO tenant (id, display_name) VALUES (?, ?)")) {
                for (int t = 0; t < options.tenants(); t++) {
                    tenant.setString(1, "s-" + t);
                    tenant.setString(2, "Soak tenant " + t);
                    tenant.addBatch();
                }
                tenant.executeBatch();
            }
            try (PreparedStatement row = c.prepareStatement("""
                    INSERT INTO integration (id, tenant_id, provider, provider_group, external_account, status,
                                             access_token_expires_at, last_refreshed_at, secret_name, vault)
                    VALUES (?, ?, 'oauth2', ?, ?, 'active', ?, ?, ?, ?)""")) {
                for (int i = 0; i < options.integrations(); i++) {
                    String tenant = "s-" + (i % 2 == 0 || options.tenants() == 1 ? 0 : 1 + (i / 2) % (options.tenants() - 1));
                    String grant = tenant + "-" + i;
                    UUID id = UUID.randomUUID();
                    Instant expiresAt = now.plus(options.leadTime()).plusMillis(spanMillis * i / options.integrations());
                    String secret = "integration-" + id;
                    // not i % vaults: that would put every row of tenant s-0 (the even ones) in one vault, where the
                    // service's assignment (rendezvous hashing of the id) spreads even one tenant's rows evenly
                    String vault = options.sealed() ? SecretRef.DATABASE : names.get((i / 2) % names.size());
                    String refreshToken = harness.provider().newGrant(grant);
                    if (options.sealed()) {
                        KeyRing.Sealed value = ring.seal(id, new TokenSet(Secret.of("at-seed-" + UUID.randomUUID()),
                                Secret.of(refreshToken), expiresAt, Optional.empty(), "Bearer"));
                        sealedTokens.setObject(1, id);
                        sealedTokens.setBytes(2, value.value());
                        sealedTokens.setString(3, value.keyId());
                        sealedTokens.addBatch();
                    } else {
                        vaults.get(vault).seed(secret, "{\"access_token\":\"at-seed-" + UUID.randomUUID()
                                + "\",\"refresh_token\":\"" + refreshToken + "\",\"expires_at\":\"" + expiresAt
                                + "\",\"token_type\":\"Bearer\"}", "application/json");
                    }
                    expiryByGrant.put(grant, expiresAt.toEpochMilli());
                    tenantByGrant.put(grant, tenant);
                    row.setObject(1, id);
                    row.setString(2, tenant);
                    row.setString(3, Harness.GROUP);
                    row.setString(4, grant + "@example.com");
                    row.setTimestamp(5, Timestamp.from(expiresAt));
                    row.setTimestamp(6, Timestamp.from(now));
                    row.setString(7, secret);
                    row.setString(8, vault);
                    row.addBatch();
                    if (i % 1000 == 999) {
                        row.executeBatch();
                        sealedTokens.executeBatch();
                    }
                }
                row.executeBatch();
                // after their rows: a foreign key
                sealedTokens.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("Seeding the soak's rows failed", e);
        }
        db.update("ANALYZE");
        line("(seeded %,d integrations and their %s straight into PostgreSQL%s in %.1f s)", options.integrations(),
                options.sealed() ? "sealed tokens" : "secrets", options.sealed() ? "" : " and the vault fakes",
                (System.nanoTime() - started) / 1e9);
    }

    /** The provider answered a refresh: the margin its access token had, and the new token's expiry. */
    private void refreshed(String grant) {
        long now = System.currentTimeMillis();
        Long previous = expiryByGrant.put(grant, now + options.lifetime().toMillis());
        if (measuring && previous != null) {
            refreshes.add(new Refresh(tenantByGrant.get(grant), previous - now));
        }
    }

    /** The overdue gauge now, or empty if the metrics endpoint did not answer with it. */
    private static OptionalLong overdue(HttpClient http, ServiceProcess service) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(service.managementUri("/q/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.body().lines().filter(l -> l.startsWith("refresher_integrations_overdue"))
                    .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .findFirst();
        } catch (IOException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    /** The most transactions one vault served in any 10 s of the samples (each vault's count, every second). */
    private static long busiestWindow(List<long[]> samples) {
        long busiest = 0;
        for (int i = 0; i + 10 < samples.size(); i++) {
            for (int v = 0; v < samples.get(i).length; v++) {
                busiest = Math.max(busiest, samples.get(i + 10)[v] - samples.get(i)[v]);
            }
        }
        return busiest;
    }

    private static Map<String, Long> perTenantP1(List<Refresh> done) {
        Map<String, List<Long>> byTenant = new HashMap<>();
        done.forEach(r -> byTenant.computeIfAbsent(r.tenant(), t -> new ArrayList<>()).add(r.marginMillis()));
        Map<String, Long> p1 = new HashMap<>();
        byTenant.forEach((tenant, margins) -> p1.put(tenant,
                percentile(margins.stream().mapToLong(Long::longValue).sorted().toArray(), 0.01)));
        return p1;
    }

    private static long percentile(long[] sorted, double p) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    }

    private void line(String format, Object... args) {
        String text = String.format(Locale.ROOT, format, args);
        System.out.println(text);
        report.append(text).append('\n');
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
