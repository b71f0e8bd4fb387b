package dev.oauthrefresher.testsupport.process;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The service's HTTP API as its callers use it: admin calls with an admin token, and triggers the way the
 * Kubernetes CronJob sends them ({@code curl -X POST -H 'Authorization: Bearer ...' /cron/{task}}).
 */
public final class ServiceClient {

    public static final String REFRESH_TASK = "refresh-expiring-integrations";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    /** The answer to one trigger: HTTP status, the run summary (or problem) body, and {@code Retry-After}. */
    public record RunSummary(int status, JsonNode body, Optional<String> retryAfter) {

        public boolean completed() {
            return status == 200;
        }

        public String runId() {
            return body.path("runId").asText();
        }

        public int refreshed() {
            return body.path("refreshed").asInt();
        }

        public int expired() {
            return body.path("expired").asInt();
        }

        public int errored() {
            return body.path("errored").asInt();
        }

        public int deferred() {
            return body.path("deferred").asInt();
        }

        public long remaining() {
            return body.path("remaining").asLong(-1);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private final ServiceProcess service;
    private final String adminToken;
    private final String cronToken;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public ServiceClient(ServiceProcess service, String adminToken, String cronToken) {
        this.service = service;
        this.adminToken = adminToken;
        this.cronToken = cronToken;
    }

    public void createTenant(String id) {
        expect(201, post("/admin/tenants", adminToken, Map.of("id", id, "displayName", "Tenant " + id), ADMIN_TIMEOUT));
    }

    /** Registers an integration with its first tokens (they go to the service's token store); returns its id. */
    public UUID registerIntegration(String tenant, String provider, String group, String account, String accessToken,
            String refreshToken, Instant accessTokenExpiresAt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("provider", provider);
        body.put("providerGroup", group);
        body.put("externalAccount", account);
        body.put("accessToken", accessToken);
        body.put("refreshToken", refreshToken);
        body.put("accessTokenExpiresAt", accessTokenExpiresAt.toString());
        HttpResponse<String> response = postAsAClientWould("/admin/tenants/" + tenant + "/integrations", adminToken, body);
        expect(201, response);
        return UUID.fromString(read(response.body()).path("id").asText());
    }

    /** Issues a tenant API key with {@code scopes}; returns the key. */
    public String createApiKey(String tenant, List<String> scopes) {
        HttpResponse<String> response = post("/admin/tenants/" + tenant + "/api-keys", adminToken,
                Map.of("name", "bench", "scopes", scopes), ADMIN_TIMEOUT);
        expect(201, response);
        return read(response.body()).path("key").asText();
    }

    /** Revokes every key of {@code tenant} ({@code DELETE /admin/tenants/{t}/api-keys/{keyId}}), as an operator would. */
    public void revokeApiKeys(String tenant) {
        HttpResponse<String> keys = send(HttpRequest.newBuilder(service.uri("/admin/tenants/" + tenant + "/api-keys")).GET(),
                adminToken);
        expect(200, keys);
        for (JsonNode item : read(keys.body()).path("items")) {
            expect(204, send(HttpRequest.newBuilder(service.uri("/admin/tenants/" + tenant + "/api-keys/"
                    + item.path("id").asText())).DELETE(), adminToken));
        }
    }

    /** Replaces the tenant's redirect-URI allow-list for connect sessions ({@code PUT /admin/tenants/{t}/redirect-uris}). */
    public void setRedirectUris(String tenant, List<String> uris) {
        try {
            expect(200, send(HttpRequest.newBuilder(service.uri("/admin/tenants/" + tenant + "/redirect-uris"))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("redirectUris", uris)))), adminToken));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A webhook endpoint as created: its id and its {@code whsec_} secret, shown this once. */
    public record CreatedEndpoint(String id, String secret) {
    }

    /** Creates a webhook endpoint with a tenant key ({@code webhooks:write}). */
    public CreatedEndpoint createWebhookEndpoint(String key, String url, List<String> events) {
        HttpResponse<String> response = postAsAClientWould("/v1/webhook-endpoints", key, Map.of("url", url, "events", events));
        expect(201, response);
        JsonNode created = read(response.body());
        return new CreatedEndpoint(created.path("id").asText(), created.path("secret").asText());
    }

    /** {@code POST /v1/webhook-endpoints/{id}/test}; returns the answer's status (202, or 429 past a budget). */
    public int testWebhook(String key, String endpointId) {
        return post("/v1/webhook-endpoints/" + endpointId + "/test", key, Map.of(), ADMIN_TIMEOUT).statusCode();
    }

    /** {@code POST /v1/integrations/{id}/access-token} with an empty request, without waiting for the answer. */
    public CompletableFuture<HttpResponse<String>> accessTokenAsync(String key, UUID id) {
        HttpRequest request = HttpRequest.newBuilder(service.uri("/v1/integrations/" + id + "/access-token"))
                .timeout(ADMIN_TIMEOUT).header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    /** {@code POST /v1/integrations/{id}/access-token} asking for {@code minValidSeconds}; the answer as it came. */
    public HttpResponse<String> accessToken(String key, UUID id, int minValidSeconds) {
        return send(HttpRequest.newBuilder(service.uri("/v1/integrations/" + id + "/access-token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"minValidSeconds\":" + minValidSeconds + "}")), key);
    }

    /** {@code POST /v1/integrations} with a tenant key: a registration; the answer as it came (201 or a problem). */
    public HttpResponse<String> register(String key, String provider, String group, String account, String accessToken,
            String refreshToken, Instant accessTokenExpiresAt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("provider", provider);
        body.put("providerGroup", group);
        body.put("externalAccount", account);
        body.put("accessToken", accessToken);
        body.put("refreshToken", refreshToken);
        body.put("accessTokenExpiresAt", accessTokenExpiresAt.toString());
        try {
            return send(HttpRequest.newBuilder(service.uri("/v1/integrations")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))), key);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code GET /v1/integrations} with a tenant key: the cheapest authenticated read of the tenant API. */
    public HttpResponse<String> listIntegrations(String key) {
        return send(HttpRequest.newBuilder(service.uri("/v1/integrations")).GET(), key);
    }

    /** {@code PUT /v1/integrations/{id}/tokens} with a tenant key: a reconnect with the new consent's tokens. */
    public HttpResponse<String> reconnect(String key, UUID id, String accessToken, String refreshToken, Instant expiresAt) {
        try {
            String body = JSON.writeValueAsString(Map.of("accessToken", accessToken, "refreshToken", refreshToken,
                    "accessTokenExpiresAt", expiresAt.toString()));
            return send(HttpRequest.newBuilder(service.uri("/v1/integrations/" + id + "/tokens"))
                    .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)), key);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code DELETE /v1/integrations/{id}} with a tenant key: a disconnect. */
    public HttpResponse<String> disconnect(String key, UUID id) {
        return send(HttpRequest.newBuilder(service.uri("/v1/integrations/" + id)).DELETE(), key);
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String key) {
        try {
            return http.send(request.timeout(ADMIN_TIMEOUT).header("Authorization", "Bearer " + key).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(request.build().method() + " to " + service.name() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The sum of a Prometheus counter's samples over all its labels, from {@code /q/metrics}. */
    public double counter(String name) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(service.managementUri("/q/metrics")).timeout(ADMIN_TIMEOUT)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            expect(200, response);
            return response.body().lines()
                    .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
        } catch (IOException e) {
            throw new UncheckedIOException("GET /q/metrics of " + service.name() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of one sample from {@code /q/metrics}, named with its labels as Prometheus prints them; empty if absent. */
    public java.util.OptionalDouble sample(String nameAndLabels) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(service.managementUri("/q/metrics")).timeout(ADMIN_TIMEOUT)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            expect(200, response);
            return response.body().lines().filter(l -> l.startsWith(nameAndLabels + " "))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("GET /q/metrics of " + service.name() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One trigger of {@code task}; {@code request} narrows the run (empty for everything). Waits for the run's end. */
    public RunSummary trigger(String task, Map<String, Object> request) {
        HttpResponse<String> response = post("/cron/" + task, cronToken, request, RUN_TIMEOUT);
        JsonNode body = response.body().isBlank() ? JSON.createObjectNode() : read(response.body());
        return new RunSummary(response.statusCode(), body, response.headers().firstValue("Retry-After"));
    }

    /**
     * A trigger of {@code task} whose caller stops waiting after {@code patience} and closes its connection, as QStash's
     * request timeout or {@code curl --max-time} does. True if it hung up before the answer came.
     */
    public boolean triggerAndHangUp(String task, Duration patience) {
        try {
            post("/cron/" + task, cronToken, Map.of(), patience);
            return false;
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof HttpTimeoutException) {
                return true;
            }
            throw e;
        }
    }

    /**
     * Triggers the refresh task until a run reports nothing remaining, at most {@code maxRuns} times; returns
     * every answer. Stops early on an answer that is not 200.
     */
    public List<RunSummary> refreshUntilDone(Map<String, Object> request, int maxRuns) {
        List<RunSummary> runs = new ArrayList<>();
        for (int i = 0; i < maxRuns; i++) {
            RunSummary run = trigger(REFRESH_TASK, request);
            runs.add(run);
            if (!run.completed() || run.remaining() == 0) {
                break;
            }
        }
        return runs;
    }

    /**
     * A setup call made as a well-behaved client makes it: refused with 429 or 503 and a {@code Retry-After} (a tenant's
     * operation budget, the vault budget's on-demand share), it waits that long and asks again, for up to a minute.
     */
    private HttpResponse<String> postAsAClientWould(String path, String token, Map<String, ?> body) {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (true) {
            HttpResponse<String> response = post(path, token, body, ADMIN_TIMEOUT);
            Optional<String> retryAfter = response.headers().firstValue("Retry-After");
            if ((response.statusCode() != 429 && response.statusCode() != 503) || retryAfter.isEmpty()
                    || System.nanoTime() > deadline) {
                return response;
            }
            try {
                Thread.sleep(Duration.ofSeconds(Long.parseLong(retryAfter.get())).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private HttpResponse<String> post(String path, String token, Map<String, ?> body, Duration timeout) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(service.uri(path))
                    .timeout(timeout)
                    .header("Authorization", "Bearer " + token);
            if (body.isEmpty()) {
                request.POST(HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("POST " + path + " to " + service.name() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void expect(int status, HttpResponse<String> response) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(response.request().method() + " " + response.request().uri().getPath()
                    + " answered " + response.statusCode() + " (expected " + status + "): " + response.body());
        }
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Not JSON: " + body, e);
        }
    }
}
