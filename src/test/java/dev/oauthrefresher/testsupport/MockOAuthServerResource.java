package dev.oauthrefresher.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;

/**
 * A real OAuth 2.0 authorization server in the test JVM (mock-oauth2-server) that rotates refresh tokens: each
 * refresh issues a new one and forgets the old, which it then rejects with {@code 400 invalid_grant}.
 * Configures provider group {@link #GROUP} against it, connect sessions included (its authorization and userinfo
 * endpoints). One server serves the whole test JVM.
 */
public class MockOAuthServerResource implements QuarkusTestResourceLifecycleManager {

    public static final String GROUP = "mock-oauth2";
    public static final String ISSUER = "refresher-test";
    public static final String CLIENT_ID = "mock-oauth2-client-id";
    public static final String CLIENT_SECRET = "mock-oauth2-client-secret-4be07a";

    private static final String REDIRECT_URI = "http://localhost/callback";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static MockOAuth2Server server;

    /** The shared server, started on first use. */
    public static synchronized MockOAuth2Server server() {
        if (server == null) {
            server = new MockOAuth2Server(new OAuth2Config(false, null, null, true));
            server.start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown));
        }
        return server;
    }

    @Override
    public Map<String, String> start() {
        String prefix = "refresher.providers." + GROUP + ".";
        return Map.of(
                prefix + "type", "oauth2",
                prefix + "client-id", CLIENT_ID,
                prefix + "client-secret", CLIENT_SECRET,
                prefix + "token-endpoint", server().tokenEndpointUrl(ISSUER).toString(),
                // the hosted consent (connect/): the server's /authorize answers at once with a code (no login page)
                prefix + "authorization-endpoint", server().authorizationEndpointUrl(ISSUER).toString(),
                prefix + "userinfo-endpoint", server().userInfoUrl(ISSUER).toString(),
                prefix + "default-scopes", "openid");
    }

    @Override
    public void stop() {
        // shared across test classes; stopped with the JVM
    }

    /**
     * Connects a user the way an integration is registered: an authorization-code login at the server, then the
     * code exchanged for tokens. Returns the refresh token it issued.
     */
    public static String issueRefreshToken() {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        try {
            String state = UUID.randomUUID().toString();
            URI authorize = server().authorizationEndpointUrl(ISSUER).newBuilder()
                    .addQueryParameter("client_id", CLIENT_ID)
                    .addQueryParameter("response_type", "code")
                    .addQueryParameter("redirect_uri", REDIRECT_URI)
                    .addQueryParameter("scope", "openid offline_access")
                    .addQueryParameter("state", state)
                    .build().uri();
            HttpResponse<String> redirect = http.send(HttpRequest.newBuilder(authorize).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            String location = redirect.headers().firstValue("Location")
                    .orElseThrow(() -> new IllegalStateException("authorize answered " + redirect.statusCode()));
            String code = query(URI.create(location)).get("code");
            String form = form(Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT_URI,
                    "client_id", CLIENT_ID, "client_secret", CLIENT_SECRET));
            HttpResponse<String> tokens = http.send(HttpRequest.newBuilder(server().tokenEndpointUrl(ISSUER).uri())
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(tokens.body());
            if (tokens.statusCode() != 200 || !body.hasNonNull("refresh_token")) {
                throw new IllegalStateException("code exchange answered " + tokens.statusCode());
            }
            return body.get("refresh_token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> query(URI uri) {
        return Arrays.stream(uri.getRawQuery().split("&"))
                .map(pair -> pair.split("=", 2))
                .collect(Collectors.toMap(p -> URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                        p -> p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : ""));
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
