package dev.oauthrefresher.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A small Azure Key Vault for tests: a real HTTPS server (certificate made at startup by the JDK's keytool)
 * speaking enough of the secrets REST API for the real Azure SDK: the bearer challenge, set secret, get
 * secret (latest or by version), list secrets (Azure's {@code SecretListResult}: {@code value} of secret items and a
 * {@code nextLink} to the next page), delete, get deleted and purge, soft-deleted and disabled secrets, tags and
 * creation times, and faults on demand. For benchmarks it can also behave like a real vault under load: a latency per request and Key Vault's
 * service limit (secret transactions per 10 s, answered beyond it with 429, Azure's {@code Throttled} error and
 * {@code Retry-After}).
 */
public final class KeyVaultFake implements AutoCloseable {

    /** The tenant named in the challenge; the SDK passes it to the credential. */
    public static final String TENANT = "72f988bf-0000-0000-0000-00000000fa4e";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY_STORE_FILE = "key-vault-fake.p12";
    private static final String PEM_FILE = "key-vault-fake.pem";

    private final HttpsServer server;
    private final ExecutorService executor;
    private final Path dir;
    private final Map<String, List<StoredSecret>> secrets = new ConcurrentHashMap<>();
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();
    private final Set<String> disabled = ConcurrentHashMap.newKeySet();
    private volatile boolean refusePurges;
    private final ConcurrentLinkedDeque<Fault> faults = new ConcurrentLinkedDeque<>();
    private final ConcurrentLinkedDeque<Integer> storedThenFailed = new ConcurrentLinkedDeque<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger challenges = new AtomicInteger();
    private volatile int refuseWritesWith;
    private volatile Duration writeDelay = Duration.ZERO;
    private volatile CountDownLatch heldWrites = new CountDownLatch(0);
    private volatile ServiceLimit limit;
    private volatile Duration minLatency = Duration.ZERO;
    private volatile Duration maxLatency = Duration.ZERO;
    private final AtomicLong served = new AtomicLong();
    private final Set<String> hangsOver = ConcurrentHashMap.newKeySet();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicInteger writesInProgress = new AtomicInteger();

    /** An authenticated request the fake received; a listing ({@code GET /secrets}) is method {@code LIST}, no name. */
    public record Request(String method, String secretName, Optional<String> version) {
    }

    /** One stored version of a secret, exactly as the client sent it, and when the vault stored it. */
    public record StoredSecret(String name, String version, String value, String contentType, Map<String, String> tags,
            Instant created) {

        @Override
        public String toString() {
            return "StoredSecret[" + name + "/" + version + ", value redacted]";
        }
    }

    private record Fault(int status, Map<String, String> headers, Duration hang) {
    }

    /** Azure's page size when the request names no {@code maxresults}, and the most it accepts. */
    private static final int MAX_RESULTS = 25;

    private KeyVaultFake(HttpsServer server, ExecutorService executor, Path dir) {
        this.server = server;
        this.executor = executor;
        this.dir = dir;
    }

    /** Starts a fake on a free loopback port. */
    public static KeyVaultFake start() {
        try {
            Path dir = Files.createTempDirectory("key-vault-fake");
            char[] password = UUID.randomUUID().toString().toCharArray();
            KeyStore keyStore = selfSignedKeyStore(dir, password);
            writePem(dir, keyStore.getCertificate("key-vault-fake"));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(keyStore, password);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(keys.getKeyManagers(), null, new SecureRandom());

            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(tls));
            ExecutorService executor = Executors.newCachedThreadPool();
            server.setExecutor(executor);
            KeyVaultFake fake = new KeyVaultFake(server, executor, dir);
            server.createContext("/", fake::handle);
            server.start();
            return fake;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | InterruptedException e) {
            throw new IllegalStateException("Could not start the Key Vault fake", e);
        }
    }

    /** The vault URL to configure, e.g. {@code https://localhost:43123}. */
    public String vaultUrl() {
        return "https://localhost:" + server.getAddress().getPort();
    }

    /** The fake's self-signed certificate in PEM, for the client's trust store. */
    public Path certificatePem() {
        return dir.resolve(PEM_FILE);
    }

    /** Whether anything is kept under the name, soft-deleted or not: false once it was never stored or is purged. */
    public boolean holds(String name) {
        return secrets.containsKey(name);
    }

    /** Whether the secret is soft-deleted (deleted, not yet purged). */
    public boolean isSoftDeleted(String name) {
        return deleted.contains(name);
    }

    /** Names of the secrets stored and not deleted. */
    public Set<String> liveSecretNames() {
        return secrets.keySet().stream().filter(name -> !deleted.contains(name)).collect(java.util.stream.Collectors.toSet());
    }

    /** The newest stored version of a secret, if any (deleted ones included). */
    public Optional<StoredSecret> latest(String name) {
        List<StoredSecret> versions = secrets.get(name);
        return versions == null || versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
    }

    /** Stores a value as if someone had written it with another tool. */
    public void seed(String name, String value, String contentType) {
        store(name, value, contentType, Map.of(), Instant.now());
    }

    /** Stores a value with tags, as written at {@code created}: a secret some earlier process left behind. */
    public void seed(String name, String value, Map<String, String> tags, Instant created) {
        store(name, value, "application/json", tags, created);
    }

    /** Disables a secret, as an operator would in the portal: reads then answer 403. */
    public void disable(String name) {
        disabled.add(name);
    }

    /** Soft-deletes a secret: reads answer 404 and writes 409 until it is recovered or purged. */
    public void softDelete(String name) {
        deleted.add(name);
    }

    /** While set, purges are refused with 403, as by a vault with purge protection. */
    public void failPurges(boolean refuse) {
        refusePurges = refuse;
    }

    /** The next {@code count} authenticated requests are answered with {@code status} and these headers. */
    public void failNext(int count, int status, Map<String, String> headers) {
        for (int i = 0; i < count; i++) {
            faults.add(new Fault(status, headers, Duration.ZERO));
        }
    }

    /** The next {@code count} authenticated requests get their answer only after {@code hang}. */
    public void hangNext(int count, Duration hang) {
        for (int i = 0; i < count; i++) {
            faults.add(new Fault(0, Map.of(), hang));
        }
    }

    /** Until called again with 0, every write (PUT) is answered with {@code status}: a vault that refuses writes. */
    public void refuseWrites(int status) {
        refuseWritesWith = status;
    }

    /**
     * The next {@code count} writes (PUT) are stored and then answered with {@code status}: a vault whose answer is lost
     * after it applied the write (a gateway error, a dropped connection).
     */
    public void storeThenFail(int count, int status) {
        for (int i = 0; i < count; i++) {
            storedThenFailed.add(status);
        }
    }

    /** Every write (PUT) is answered only after {@code delay}: a slow vault. */
    public void delayWrites(Duration delay) {
        writeDelay = delay;
    }

    /** Writes (PUT) wait, unanswered, until {@link #releaseWrites()} (at most a minute): a vault that stalls. */
    public void holdWrites() {
        heldWrites = new CountDownLatch(1);
    }

    /** Answers the writes {@link #holdWrites()} held, and every later one at once. */
    public void releaseWrites() {
        heldWrites.countDown();
    }

    /**
     * Enforces Key Vault's service limit from now on: at most {@code transactions} authenticated requests in any
     * 10 s; the ones beyond are answered 429 with {@code Retry-After} (whole seconds until a slot frees), as Azure
     * does. Throttled requests do not use up the budget.
     */
    public void enforceServiceLimit(int transactions) {
        limit = new ServiceLimit(transactions);
    }

    /** Every authenticated request is answered after a delay drawn uniformly from {@code [min, max]}. */
    public void latency(Duration min, Duration max) {
        minLatency = min;
        maxLatency = max;
    }

    /** Authenticated requests answered (any status but a throttling 429), since the start. */
    public long served() {
        return served.get();
    }

    /**
     * Whether a request for secret {@code name} held by {@link #hangNext} is over its hang (its answer written, or not,
     * if its client gave up).
     */
    public boolean hangOver(String name) {
        return hangsOver.contains(name);
    }

    /**
     * Writes (PUT) received and not yet answered: delayed, held, or being stored. A write a client gave up on is
     * still stored when its turn comes, as by a real vault; zero means nothing more will land.
     */
    public int writesInProgress() {
        return writesInProgress.get();
    }

    /** Requests answered 429 by the service limit, since the start. */
    public long throttled() {
        return throttled.get();
    }

    /** Authenticated requests received, in order (challenged ones not included). */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Requests answered with the bearer challenge because they carried no token. */
    public int challenges() {
        return challenges.get();
    }

    /** Forgets faults and recorded requests; stored secrets stay (tests use fresh names). */
    public void reset() {
        heldWrites.countDown();
        faults.clear();
        storedThenFailed.clear();
        requests.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            Files.deleteIfExists(dir.resolve(PEM_FILE));
            Files.deleteIfExists(dir.resolve(KEY_STORE_FILE));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a leftover temp file of a test run
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        boolean write = exchange.getRequestMethod().equals("PUT");
        if (write) {
            writesInProgress.incrementAndGet();
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            URI uri = exchange.getRequestURI();
            String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
            if (!query.contains("api-version=")) {
                error(exchange, 400, "BadParameter", "The request URI must include api-version.", Map.of());
                return;
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization == null) {
                challenges.incrementAndGet();
                error(exchange, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.",
                        Map.of("WWW-Authenticate", "Bearer authorization=\"https://login.microsoftonline.com/" + TENANT
                                + "\", resource=\"https://vault.azure.net\""));
                return;
            }
            if (!authorization.startsWith("Bearer ") || authorization.length() <= "Bearer ".length()) {
                error(exchange, 401, "Unauthorized", "AKV10022: Invalid audience.", Map.of());
                return;
            }
            String[] path = Arrays.stream(uri.getPath().split("/")).filter(part -> !part.isEmpty()).toArray(String[]::new);
            boolean listing = path.length == 1 && path[0].equals("secrets") && exchange.getRequestMethod().equals("GET");
            if (!listing && (path.length < 2 || path.length > 3
                    || !(path[0].equals("secrets") || path[0].equals("deletedsecrets")))) {
                error(exchange, 404, "NotFound", "No such operation.", Map.of());
                return;
            }
            String name = listing ? "" : path[1];
            Optional<String> version = path.length == 3 ? Optional.of(path[2]) : Optional.empty();
            boolean deletedCollection = path[0].equals("deletedsecrets");
            if (limit == null) {
                // under a service limit (a benchmark) requests are only counted: there are millions
                requests.add(new Request(listing ? "LIST" : deletedCollection ? exchange.getRequestMethod() + " deleted"
                        : exchange.getRequestMethod(), name, version));
            }
            long latency = minLatency.toMillis()
                    + ThreadLocalRandom.current().nextLong(maxLatency.toMillis() - minLatency.toMillis() + 1);
            if (latency > 0) {
                TimeUnit.MILLISECONDS.sleep(latency);
            }
            ServiceLimit serviceLimit = limit;
            OptionalLong retryAfter = serviceLimit == null ? OptionalLong.empty() : serviceLimit.admit(System.nanoTime());
            if (retryAfter.isPresent()) {
                throttled.incrementAndGet();
                error(exchange, 429, "Throttled", "Operations per second is over the allowed limit.",
                        Map.of("Retry-After", Long.toString(retryAfter.getAsLong())));
                return;
            }
            served.incrementAndGet();
            Fault fault = faults.poll();
            if (fault != null && !fault.hang().isZero()) {
                TimeUnit.MILLISECONDS.sleep(fault.hang().toMillis());
                hangsOver.add(name);
            } else if (fault != null) {
                error(exchange, fault.status(), "Injected", "Injected fault.", fault.headers());
                return;
            }
            if (exchange.getRequestMethod().equals("PUT") && !writeDelay.isZero()) {
                TimeUnit.MILLISECONDS.sleep(writeDelay.toMillis());
            }
            if (exchange.getRequestMethod().equals("PUT")) {
                heldWrites.await(1, TimeUnit.MINUTES);
            }
            if (exchange.getRequestMethod().equals("PUT") && refuseWritesWith != 0) {
                error(exchange, refuseWritesWith, "Injected", "Injected write refusal.", Map.of());
                return;
            }
            if (listing) {
                list(exchange, query);
                return;
            }
            if (deletedCollection) {
                switch (exchange.getRequestMethod()) {
                    case "GET" -> getDeleted(exchange, name);
                    case "DELETE" -> purge(exchange, name);
                    case "POST" -> {
                        if (version.equals(Optional.of("recover"))) {
                            recover(exchange, name);
                        } else {
                            error(exchange, 405, "MethodNotAllowed", "Not supported by the fake.", Map.of());
                        }
                    }
                    default -> error(exchange, 405, "MethodNotAllowed", "Not supported by the fake.", Map.of());
                }
                return;
            }
            switch (exchange.getRequestMethod()) {
                case "DELETE" -> delete(exchange, name);
                case "PUT" -> put(exchange, name, body);
                case "GET" -> get(exchange, name, version);
                default -> error(exchange, 405, "MethodNotAllowed", "Not supported by the fake.", Map.of());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (write) {
                writesInProgress.decrementAndGet();
            }
            exchange.close();
        }
    }

    private void put(HttpExchange exchange, String name, byte[] body) throws IOException {
        if (deleted.contains(name)) {
            error(exchange, 409, "Conflict", "Secret " + name + " is currently in a deleted but recoverable state, "
                    + "and its name cannot be reused; in this state, the secret can only be recovered or purged.", Map.of());
            return;
        }
        JsonNode request = JSON.readTree(body);
        Map<String, String> tags = new LinkedHashMap<>();
        request.path("tags").fields().forEachRemaining(tag -> tags.put(tag.getKey(), tag.getValue().asText()));
        StoredSecret stored = store(name, request.path("value").asText(),
                request.hasNonNull("contentType") ? request.get("contentType").asText() : null, tags, Instant.now());
        Integer lostAnswer = storedThenFailed.poll();
        if (lostAnswer != null) {
            error(exchange, lostAnswer, "Injected", "Injected failure after the write was stored.", Map.of());
            return;
        }
        respond(exchange, 200, bundle(stored), Map.of());
    }

    private void delete(HttpExchange exchange, String name) throws IOException {
        if (!secrets.containsKey(name) || deleted.contains(name)) {
            notFound(exchange, name);
            return;
        }
        deleted.add(name);
        respond(exchange, 200, deletedBundle(name), Map.of());
    }

    private void getDeleted(HttpExchange exchange, String name) throws IOException {
        if (!deleted.contains(name)) {
            error(exchange, 404, "SecretNotFound", "Deleted Secret not found: " + name, Map.of());
            return;
        }
        respond(exchange, 200, deletedBundle(name), Map.of());
    }

    private void purge(HttpExchange exchange, String name) throws IOException {
        if (refusePurges) {
            error(exchange, 403, "Forbidden", "Operation \"purge\" is not allowed because purge protection is enabled "
                    + "for this vault.", Map.of());
            return;
        }
        if (!deleted.remove(name)) {
            error(exchange, 404, "SecretNotFound", "Deleted Secret not found: " + name, Map.of());
            return;
        }
        secrets.remove(name);
        exchange.sendResponseHeaders(204, -1);
    }

    /**
     * Key Vault's "recover deleted secret": the name and its versions are live again, the latest one current. Azure
     * finishes it asynchronously (the SDK polls the secret until it answers); here it is done at once.
     */
    private void recover(HttpExchange exchange, String name) throws IOException {
        if (!deleted.remove(name)) {
            error(exchange, 404, "SecretNotFound", "Deleted Secret not found: " + name, Map.of());
            return;
        }
        ObjectNode bundle = bundle(latest(name).orElseThrow());
        bundle.remove("value");
        respond(exchange, 200, bundle, Map.of());
    }

    private ObjectNode deletedBundle(String name) {
        ObjectNode bundle = bundle(latest(name).orElseThrow());
        long now = Instant.now().getEpochSecond();
        bundle.put("recoveryId", vaultUrl() + "/deletedsecrets/" + name)
                .put("deletedDate", now).put("scheduledPurgeDate", now + 90L * 24 * 3600);
        bundle.remove("value");
        return bundle;
    }

    private static void notFound(HttpExchange exchange, String name) throws IOException {
        error(exchange, 404, "SecretNotFound", "A secret with (name/id) " + name + " was not found in this key vault.", Map.of());
    }

    private void get(HttpExchange exchange, String name, Optional<String> version) throws IOException {
        List<StoredSecret> versions = secrets.getOrDefault(name, List.of());
        Optional<StoredSecret> found = version.isPresent()
                ? versions.stream().filter(v -> v.version().equals(version.get())).findFirst()
                : latest(name);
        if (found.isEmpty() || deleted.contains(name)) {
            error(exchange, 404, "SecretNotFound", "A secret with (name/id) " + name + " was not found in this key vault.",
                    Map.of());
            return;
        }
        if (disabled.contains(name)) {
            ObjectNode body = errorBody("Forbidden", "Operation get is not allowed on a disabled secret.");
            ((ObjectNode) body.get("error")).putObject("innererror").put("code", "SecretDisabled");
            respond(exchange, 403, body, Map.of());
            return;
        }
        respond(exchange, 200, bundle(found.get()), Map.of());
    }

    /**
     * {@code GET /secrets}: one page of the secrets not deleted, in name order, each as Azure's secret item (base id
     * without version, the current version's attributes, tags and content type; never a value), and a {@code nextLink}
     * with a {@code $skiptoken} while more follow. {@code maxresults} above 25 is a 400, as Azure answers it.
     */
    private void list(HttpExchange exchange, String query) throws IOException {
        Map<String, String> params = new HashMap<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        int maxResults;
        try {
            maxResults = params.containsKey("maxresults") ? Integer.parseInt(params.get("maxresults")) : MAX_RESULTS;
        } catch (NumberFormatException e) {
            maxResults = -1;
        }
        if (maxResults < 1 || maxResults > MAX_RESULTS) {
            error(exchange, 400, "BadParameter", "invalid maxresults", Map.of());
            return;
        }
        int skip = params.containsKey("$skiptoken")
                ? Integer.parseInt(new String(Base64.getUrlDecoder().decode(params.get("$skiptoken")), StandardCharsets.UTF_8))
                : 0;
        List<String> names = liveSecretNames().stream().sorted().toList();
        ObjectNode body = JSON.createObjectNode();
        var value = body.putArray("value");
        for (String name : names.subList(Math.min(skip, names.size()), Math.min(skip + maxResults, names.size()))) {
            StoredSecret current = latest(name).orElseThrow();
            ObjectNode item = value.addObject();
            item.put("id", vaultUrl() + "/secrets/" + name);
            item.putObject("attributes").put("enabled", !disabled.contains(name))
                    .put("created", first(name).created().getEpochSecond()).put("updated", current.created().getEpochSecond())
                    .put("recoveryLevel", "Recoverable+Purgeable").put("recoverableDays", 90);
            if (!current.tags().isEmpty()) {
                ObjectNode tags = item.putObject("tags");
                current.tags().forEach(tags::put);
            }
            if (current.contentType() != null) {
                item.put("contentType", current.contentType());
            }
        }
        if (skip + maxResults < names.size()) {
            String token = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(Integer.toString(skip + maxResults).getBytes(StandardCharsets.UTF_8));
            body.put("nextLink", vaultUrl() + "/secrets?api-version=" + params.get("api-version")
                    + "&$skiptoken=" + token + "&maxresults=" + maxResults);
        } else {
            body.putNull("nextLink");
        }
        respond(exchange, 200, body, Map.of());
    }

    private StoredSecret first(String name) {
        return secrets.get(name).get(0);
    }

    private StoredSecret store(String name, String value, String contentType, Map<String, String> tags, Instant created) {
        StoredSecret stored = new StoredSecret(name, UUID.randomUUID().toString().replace("-", ""), value, contentType,
                Map.copyOf(tags), created);
        secrets.compute(name, (key, versions) -> {
            List<StoredSecret> updated = versions == null ? new ArrayList<>() : new ArrayList<>(versions);
            updated.add(stored);
            return updated;
        });
        return stored;
    }

    private ObjectNode bundle(StoredSecret secret) {
        ObjectNode bundle = JSON.createObjectNode()
                .put("value", secret.value())
                .put("id", vaultUrl() + "/secrets/" + secret.name() + "/" + secret.version());
        if (secret.contentType() != null) {
            bundle.put("contentType", secret.contentType());
        }
        bundle.putObject("attributes").put("enabled", true).put("created", secret.created().getEpochSecond())
                .put("updated", secret.created().getEpochSecond())
                .put("recoveryLevel", "Recoverable+Purgeable").put("recoverableDays", 90);
        if (!secret.tags().isEmpty()) {
            ObjectNode tags = bundle.putObject("tags");
            secret.tags().forEach(tags::put);
        }
        return bundle;
    }

    /** A sliding 10-second window of admitted requests, as a ring of their admission times. */
    private static final class ServiceLimit {
        private static final long WINDOW = TimeUnit.SECONDS.toNanos(10);
        private final long[] admitted;
        private int oldest;

        ServiceLimit(int transactions) {
            admitted = new long[transactions];
            Arrays.fill(admitted, Long.MIN_VALUE / 2);
        }

        /** Admits a request at {@code now}, or returns the whole seconds after which one will be admitted. */
        synchronized OptionalLong admit(long now) {
            long freeAt = admitted[oldest] + WINDOW;
            if (freeAt > now) {
                return OptionalLong.of(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(freeAt - now + TimeUnit.SECONDS.toNanos(1) - 1)));
            }
            admitted[oldest] = now;
            oldest = (oldest + 1) % admitted.length;
            return OptionalLong.empty();
        }
    }

    private static ObjectNode errorBody(String code, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message);
        return body;
    }

    private static void error(HttpExchange exchange, int status, String code, String message, Map<String, String> headers)
            throws IOException {
        respond(exchange, status, errorBody(code, message), headers);
    }

    private static void respond(HttpExchange exchange, int status, JsonNode body, Map<String, String> headers)
            throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        Map<String, String> all = new HashMap<>(headers);
        all.put("Content-Type", "application/json; charset=utf-8");
        all.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static KeyStore selfSignedKeyStore(Path dir, char[] password)
            throws IOException, InterruptedException, GeneralSecurityException {
        Path file = dir.resolve(KEY_STORE_FILE);
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "key-vault-fake",
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", file.toString(),
                "-storepass", new String(password), "-keypass", new String(password))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            keyStore.load(in, password);
        }
        return keyStore;
    }

    private static Path writePem(Path dir, Certificate certificate) throws IOException, GeneralSecurityException {
        String pem = "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
        return Files.writeString(dir.resolve(PEM_FILE), pem, StandardCharsets.US_ASCII);
    }
}
