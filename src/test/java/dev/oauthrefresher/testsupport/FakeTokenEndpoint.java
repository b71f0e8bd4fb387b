package dev.oauthrefresher.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A real OAuth 2.0 token endpoint over HTTP that keeps state like a provider: it knows which refresh tokens
 * are live, issues access tokens, and either keeps refresh tokens (Google: the response has no
 * {@code refresh_token}) or rotates them strictly (every refresh token works once; the old one is dead the
 * moment a new one is issued). Unknown refresh tokens get {@code 400 invalid_grant}. Faults and latency can
 * be injected. Every call is counted per grant, so tests can prove "refreshed exactly once".
 *
 * <p>It also has a revocation endpoint ({@link #revocationUrl()}): Google's shape in {@link Mode#GOOGLE} ({@code token}
 * alone; an unknown token gets {@code 400 invalid_token}), RFC 7009's in {@link Mode#ROTATING} (client authentication
 * as at the token endpoint, {@code 200} for an unknown token too). A revoked token's grant is dead. Every revocation
 * call is recorded ({@link #revocations()}), and the next calls can be failed ({@link #failRevocations}).
 */
public final class FakeTokenEndpoint implements AutoCloseable {

    /** How refresh tokens behave. */
    public enum Mode {
        /** The refresh token stays valid; responses omit it. */
        GOOGLE,
        /** Each refresh returns a new refresh token and kills the old one. */
        ROTATING
    }

    /** A canned answer that replaces normal behaviour while set; status {@link #DROP} closes the connection unanswered. */
    public record Fault(int status, String body, Map<String, String> headers, Duration delay) {

        public static final int DROP = -1;

        public static Fault of(int status, String body) {
            return new Fault(status, body, Map.of(), Duration.ZERO);
        }

        /** The connection is closed after the request was read, without an answer: a transport failure. */
        public static Fault drop() {
            return new Fault(DROP, "", Map.of(), Duration.ZERO);
        }
    }

    /** One call of the revocation endpoint: its decoded form, its {@code Authorization} header (null if none), its answer. */
    public record Revocation(Map<String, String> form, String authorization, int status) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Mode mode;
    private final String clientId;
    private final String clientSecret;
    private final Map<String, String> grantByRefreshToken = new ConcurrentHashMap<>();
    private final Map<String, String> latestRefreshToken = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> successesByGrant = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final Map<String, AtomicInteger> callsByGrant = new ConcurrentHashMap<>();
    private final AtomicReference<Fault> fault = new AtomicReference<>();
    private volatile Duration latency = Duration.ZERO;
    private volatile double errorRate;
    private volatile long expiresInSeconds = 3600;
    private volatile Consumer<String> onRefreshed = grant -> { };
    private final List<Revocation> revocations = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Fault> revocationFaults = new ConcurrentLinkedQueue<>();
    private volatile Duration revocationLatency = Duration.ZERO;

    public FakeTokenEndpoint(Mode mode, String clientId, String clientSecret) {
        this.mode = mode;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(executor);
        server.createContext("/token", this::handle);
        server.createContext("/revoke", this::handleRevocation);
        server.start();
    }

    public String tokenUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    public String revocationUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/revoke";
    }

    /** Every revocation call so far, in order, faulted ones included. */
    public List<Revocation> revocations() {
        return List.copyOf(revocations);
    }

    /** The next {@code n} revocation calls are answered with {@code f} (one each), then the endpoint works again. */
    public void failRevocations(int n, Fault f) {
        for (int i = 0; i < n; i++) {
            revocationFaults.add(f);
        }
    }

    /** Revocation calls are answered normally again, whatever faults were still queued. */
    public void clearRevocationFaults() {
        revocationFaults.clear();
    }

    /** Every revocation call waits this long before it is handled: an endpoint that hangs. */
    public void revocationLatency(Duration d) {
        revocationLatency = d;
    }

    /** Whether {@code grant} still has a live refresh token (neither revoked by the user nor through the endpoint). */
    public boolean live(String grant) {
        return latestRefreshToken.containsKey(grant);
    }

    /** Registers a grant as if the user had just consented; returns its first refresh token. */
    public String newGrant(String grant) {
        String refreshToken = "rt-" + grant + "-" + UUID.randomUUID();
        grantByRefreshToken.put(refreshToken, grant);
        latestRefreshToken.put(grant, refreshToken);
        return refreshToken;
    }

    /** The user revoked access: the grant's refresh token is dead. */
    public void revoke(String grant) {
        String token = latestRefreshToken.remove(grant);
        if (token != null) {
            grantByRefreshToken.remove(token);
        }
    }

    public String latestRefreshToken(String grant) {
        return latestRefreshToken.get(grant);
    }

    public int successes(String grant) {
        AtomicInteger n = successesByGrant.get(grant);
        return n == null ? 0 : n.get();
    }

    public Map<String, Integer> successesByGrant() {
        Map<String, Integer> copy = new HashMap<>();
        successesByGrant.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    public int calls() {
        return calls.get();
    }

    /**
     * Calls that presented one of {@code grant}'s live refresh tokens, whatever they were answered (a fault, a 503,
     * or a refresh); calls with a revoked or spent token are counted in {@link #calls()} only.
     */
    public int calls(String grant) {
        AtomicInteger n = callsByGrant.get(grant);
        return n == null ? 0 : n.get();
    }

    public void fault(Fault f) {
        fault.set(f);
    }

    public void clearFault() {
        fault.set(null);
    }

    public void latency(Duration d) {
        latency = d;
    }

    /** Share of calls answered with 503, for benchmarks. */
    public void errorRate(double rate) {
        errorRate = rate;
    }

    /** Called with the grant of every successful refresh, as it is answered (benchmarks time them). */
    public void onRefreshed(Consumer<String> listener) {
        onRefreshed = listener;
    }

    public void expiresIn(long seconds) {
        expiresInSeconds = seconds;
    }

    public void reset() {
        grantByRefreshToken.clear();
        latestRefreshToken.clear();
        successesByGrant.clear();
        callsByGrant.clear();
        calls.set(0);
        fault.set(null);
        latency = Duration.ZERO;
        errorRate = 0;
        expiresInSeconds = 3600;
        revocations.clear();
        revocationFaults.clear();
        revocationLatency = Duration.ZERO;
    }

    private void handleRevocation(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> form = parseForm(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            // the fault is taken as the call arrives: a call still sleeping when a test ends cannot take the next test's
            Fault f = revocationFaults.poll();
            sleep(revocationLatency);
            if (f != null) {
                revocations.add(new Revocation(form, authorization, f.status()));
                if (f.status() == Fault.DROP) {
                    // closing an exchange before its headers were sent closes the connection: no answer at all
                    return;
                }
                respond(exchange, f.status(), f.body(), f.headers());
                return;
            }
            int status;
            String body;
            synchronized (this) {
                String token = form.getOrDefault("token", "");
                String grant = grantByRefreshToken.remove(token);
                if (grant != null) {
                    latestRefreshToken.remove(grant, token);
                }
                if (mode == Mode.ROTATING && !authenticated(form, authorization)) {
                    if (grant != null) {
                        grantByRefreshToken.put(token, grant);
                        latestRefreshToken.putIfAbsent(grant, token);
                    }
                    status = 401;
                    body = "{\"error\":\"invalid_client\"}";
                } else if (grant == null && mode == Mode.GOOGLE) {
                    status = 400;
                    body = "{\"error\":\"invalid_token\",\"error_description\":\"Token expired or revoked\"}";
                } else {
                    // RFC 7009 section 2.2: 200 also for a token that was already invalid
                    status = 200;
                    body = "";
                }
            }
            revocations.add(new Revocation(form, authorization, status));
            respond(exchange, status, body, Map.of());
        }
    }

    /** RFC 7009's client authentication, as the token endpoint takes it: in the form or as HTTP Basic. */
    private boolean authenticated(Map<String, String> form, String authorization) {
        if (authorization != null && authorization.startsWith("Basic ")) {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
            return decoded.equals(clientId + ":" + clientSecret);
        }
        return clientId.equals(form.get("client_id")) && clientSecret.equals(form.get("client_secret"));
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            calls.incrementAndGet();
            Map<String, String> form = parseForm(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String presentedGrant = grantByRefreshToken.get(form.getOrDefault("refresh_token", ""));
            if (presentedGrant != null) {
                callsByGrant.computeIfAbsent(presentedGrant, g -> new AtomicInteger()).incrementAndGet();
            }
            Fault f = fault.get();
            sleep(f != null ? f.delay().plus(latency) : latency);
            if (f != null) {
                respond(exchange, f.status(), f.body(), f.headers());
                return;
            }
            if (errorRate > 0 && ThreadLocalRandom.current().nextDouble() < errorRate) {
                respond(exchange, 503, "{\"error\":\"temporarily_unavailable\"}", Map.of());
                return;
            }
            if (!clientId.equals(form.get("client_id")) || !clientSecret.equals(form.get("client_secret"))) {
                respond(exchange, 401, "{\"error\":\"invalid_client\",\"error_description\":\"Unauthorized\"}", Map.of());
                return;
            }
            if (!"refresh_token".equals(form.get("grant_type"))) {
                respond(exchange, 400, "{\"error\":\"unsupported_grant_type\"}", Map.of());
                return;
            }
            String presented = form.getOrDefault("refresh_token", "");
            String body;
            synchronized (this) {
                String grant = grantByRefreshToken.get(presented);
                if (grant == null) {
                    respond(exchange, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or revoked.\"}", Map.of());
                    return;
                }
                successesByGrant.computeIfAbsent(grant, g -> new AtomicInteger()).incrementAndGet();
                onRefreshed.accept(grant);
                String accessToken = "at-" + UUID.randomUUID();
                if (mode == Mode.ROTATING) {
                    grantByRefreshToken.remove(presented);
                    String next = "rt-" + grant + "-" + UUID.randomUUID();
                    grantByRefreshToken.put(next, grant);
                    latestRefreshToken.put(grant, next);
                    body = "{\"access_token\":\"" + accessToken + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresInSeconds
                            + ",\"refresh_token\":\"" + next + "\",\"scope\":\"openid email\"}";
                } else {
                    body = "{\"access_token\":\"" + accessToken + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresInSeconds
                            + ",\"scope\":\"openid email\"}";
                }
            }
            respond(exchange, 200, body, Map.of());
        }
    }

    private static void sleep(Duration d) {
        if (!d.isZero()) {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String body, Map<String, String> headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (!body.isEmpty()) {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
        }
        headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
