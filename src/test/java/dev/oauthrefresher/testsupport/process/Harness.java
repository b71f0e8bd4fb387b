package dev.oauthrefresher.testsupport.process;

import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.KeyVaultFake;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the benchmark and the multi-process fault tests share: one PostgreSQL server, one stateful fake token
 * endpoint, a token store, and service processes (the packaged jar) configured against them with one provider
 * group, an admin token and a CronJob bearer token. Each scenario gets its own database.
 */
public final class Harness implements AutoCloseable {

    /** Where service processes keep tokens. */
    public enum TokenStore {
        /** Each process's own memory (mock mode): tokens die with the process. */
        MEMORY,
        /**
         * A Key Vault fake in the harness, shared by every process and surviving any of them; the processes reach
         * it with their unmodified production credential chain (managed identity, faked).
         */
        KEY_VAULT
    }

    public static final String GROUP = "bench";

    /**
     * JVM options for service processes: the JVM image's own ({@code JAVA_OPTS} in {@code Dockerfile.jvm}), so what
     * the benchmark and the fault tests measure is what a pod runs (BENCHMARKS.md, "Memory of the JVM image").
     */
    public static final List<String> SERVICE_JVM = JvmImage.javaOptions();
    /** The image's glibc setting, which {@code java} cannot take as an option: fewer malloc arenas, less native memory. */
    static final Map<String, String> SERVICE_ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", JvmImage.variable("MALLOC_ARENA_MAX"));
    static final String ADMIN_TOKEN = "bench-admin-token-5f0c2a9e7d3b41c6";
    public static final String CRON_TOKEN = "bench-cron-token-8e1b6d4a2c9f0735";
    static final String CLIENT_ID = "bench-client";
    static final String CLIENT_SECRET = "bench-client-secret-value";
    /** 32 bytes, base64: seals pending rotations, the same for every process as in a real deployment. */
    static final String PENDING_ROTATION_KEY = "YmVuY2gtcGVuZGluZy1yb3RhdGlvbi1rZXktMzJieXQ=";

    /** Everything secret the harness hands to a service process, as it would appear in a log line. */
    private static final List<Pattern> SECRETS = List.of(
            Pattern.compile(Pattern.quote(CLIENT_SECRET)),
            Pattern.compile(Pattern.quote(ADMIN_TOKEN)),
            Pattern.compile(Pattern.quote(CRON_TOKEN)),
            Pattern.compile(Pattern.quote(PENDING_ROTATION_KEY)),
            Pattern.compile(Pattern.quote(FakeManagedIdentity.ACCESS_TOKEN)),
            Pattern.compile("\\brt-[a-z0-9-]+-[0-9a-f]{8}-[0-9a-f]{4}-"),      // the fake provider's refresh tokens
            Pattern.compile("\\bat-(seed-)?[0-9a-f]{8}-[0-9a-f]{4}-"),          // its and the seeded access tokens
            Pattern.compile("whsec_[A-Za-z0-9+/]{20,}"));                        // webhook signing secrets

    private final Path workDirectory;
    private final LocalPostgres postgres;
    private final FakeTokenEndpoint provider;
    private final KeyVaultFake keyVault;
    private final FakeManagedIdentity identity;
    private final List<ServiceProcess> services = new ArrayList<>();

    private Harness(Path workDirectory, FakeTokenEndpoint.Mode mode, TokenStore store) {
        this.workDirectory = workDirectory;
        // the service logs of an earlier run in the same directory go first: a test waits for lines in them
        deleteLogs(workDirectory.resolve("logs"));
        this.postgres = LocalPostgres.start(workDirectory, Map.of("max_connections", "300"));
        this.provider = new FakeTokenEndpoint(mode, CLIENT_ID, CLIENT_SECRET);
        this.keyVault = store == TokenStore.KEY_VAULT ? KeyVaultFake.start() : null;
        this.identity = store == TokenStore.KEY_VAULT ? new FakeManagedIdentity() : null;
    }

    private static void deleteLogs(Path logs) {
        if (!Files.isDirectory(logs)) {
            return;
        }
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not clear " + logs, e);
        }
    }

    /** Starts PostgreSQL, a fake token endpoint in {@code mode} and the token store; files go to {@code workDirectory}. */
    public static Harness start(Path workDirectory, FakeTokenEndpoint.Mode mode, TokenStore store) {
        // The JDK's HTTP server writes headers and body separately; with Nagle's algorithm on, each answer then
        // waits for the client's delayed ACK (about 40 ms), which would be measured as provider latency.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        return new Harness(workDirectory, mode, store);
    }

    public LocalPostgres postgres() {
        return postgres;
    }

    public FakeTokenEndpoint provider() {
        return provider;
    }

    /** The shared Key Vault fake; only with {@link TokenStore#KEY_VAULT}. */
    public KeyVaultFake keyVault() {
        return keyVault;
    }

    public Path workDirectory() {
        return workDirectory;
    }

    /** A new empty database; the first service started on it creates the schema. */
    public Database createDatabase(String name) {
        postgres.createDatabase(name);
        return new Database(postgres, name);
    }

    /** The settings every service process gets; {@code overrides} change or add to them. */
    private Map<String, String> settings(Database database, Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl(database.name()));
        settings.put("quarkus.datasource.username", LocalPostgres.USER);
        settings.put("quarkus.datasource.password", LocalPostgres.PASSWORD);
        if (keyVault == null) {
            settings.put("refresher.token-store.kind", "memory");
        } else {
            settings.put("refresher.token-store.kind", "key-vault");
            settings.put("refresher.token-store.key-vault.url", keyVault.vaultUrl());
            settings.put("refresher.token-store.key-vault.disable-challenge-resource-verification", "true");
            settings.put("refresher.token-store.key-vault.tls-configuration-name", "key-vault-fake");
            settings.put("quarkus.tls.key-vault-fake.trust-store.pem.certs", keyVault.certificatePem().toString());
        }
        settings.put("refresher.refresh.pending-rotation-key", PENDING_ROTATION_KEY);
        settings.put("refresher.admin.tokens", ADMIN_TOKEN);
        settings.put("refresher.cron.bearer-tokens", CRON_TOKEN);
        settings.put("refresher.providers." + GROUP + ".type", "oauth2");
        settings.put("refresher.providers." + GROUP + ".client-id", CLIENT_ID);
        settings.put("refresher.providers." + GROUP + ".client-secret", CLIENT_SECRET);
        settings.put("refresher.providers." + GROUP + ".token-endpoint", provider.tokenUrl());
        settings.put("refresher.providers." + GROUP + ".request-timeout", "10s");
        settings.put("refresher.token-endpoints.allow-insecure-loopback", "true");
        // a production process against local fakes: the insecure switches they need are named, as on a staging cluster
        settings.put("refresher.production.insecure-overrides", "refresher.token-endpoints.allow-insecure-loopback,"
                + "refresher.token-store.key-vault.disable-challenge-resource-verification,"
                + "refresher.webhooks.allow-insecure-urls");
        settings.putAll(overrides);
        return settings;
    }

    /** Launches a service process on {@code database}; it is stopped when the harness closes. */
    public ServiceProcess launch(String name, Database database, Map<String, String> overrides, List<String> jvmOptions) {
        Map<String, String> environment = new LinkedHashMap<>(SERVICE_ENVIRONMENT);
        if (identity != null) {
            environment.putAll(identity.environment());
        }
        ServiceProcess service = ServiceProcess.launch(name, settings(database, overrides), environment, jvmOptions,
                workDirectory.resolve("logs"));
        synchronized (services) {
            services.add(service);
        }
        return service;
    }

    public ServiceClient client(ServiceProcess service) {
        return new ServiceClient(service, ADMIN_TOKEN, CRON_TOKEN);
    }

    /** Log lines of the service processes that contain a secret; read after {@link #close()}, when the logs are complete. */
    public List<String> secretsInServiceLogs() {
        List<String> leaks = new ArrayList<>();
        try (Stream<Path> logs = Files.list(workDirectory.resolve("logs"))) {
            for (Path log : (Iterable<Path>) logs::iterator) {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    if (SECRETS.stream().anyMatch(secret -> secret.matcher(line).find())) {
                        leaks.add(log.getFileName() + ": " + line);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return leaks;
    }

    @Override
    public void close() {
        synchronized (services) {
            services.forEach(ServiceProcess::close);
        }
        provider.close();
        if (keyVault != null) {
            keyVault.close();
            identity.close();
        }
        postgres.close();
    }
}
