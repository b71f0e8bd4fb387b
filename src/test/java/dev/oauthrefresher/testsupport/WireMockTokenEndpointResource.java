package dev.oauthrefresher.testsupport;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.common.Slf4jNotifier;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A WireMock token endpoint for exact answer shapes, and the provider groups that point at it: each group has
 * its own path ({@link #path}), client id and client secret. One server serves the whole test JVM; every
 * Quarkus start resets its stubs and request journal. Stub with {@code server().stubFor(post(urlPathEqualTo(
 * path(GOOGLE)))...)}. The server logs errors only: its request dumps would show the secrets a client sent.
 */
public class WireMockTokenEndpointResource implements QuarkusTestResourceLifecycleManager {

    /** Type {@code google}: client_secret_post, no scopes, default timeouts, a revocation endpoint ({@link #revocationPath}). */
    public static final String GOOGLE = "wm-google";
    /** Type {@code oauth2} with scopes {@code openid offline_access}, for rotating answers; no revocation endpoint. */
    public static final String ROTATING = "wm-rotating";
    /**
     * Type {@code oauth2} with {@code client-auth=basic} and an RFC 7009 revocation endpoint; for connect sessions, an
     * authorization endpoint and a userinfo endpoint ({@link #userinfoPath}) on the server, and no default scopes.
     */
    public static final String BASIC = "wm-basic";
    /** Type {@code oauth2} with a 1 s request timeout and a revocation endpoint, for delayed answers. */
    public static final String SLOW = "wm-slow";
    /** Type {@code oauth2} whose endpoint is a closed local port: every call is refused. */
    public static final String DOWN = "wm-down";

    public static final List<String> GROUPS = List.of(GOOGLE, ROTATING, BASIC, SLOW, DOWN);

    private static WireMockServer server;

    /** The shared server, started on first use. */
    public static synchronized WireMockServer server() {
        if (server == null) {
            server = new WireMockServer(WireMockConfiguration.options().dynamicPort().notifier(new Slf4jNotifier(false)));
            server.start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        }
        return server;
    }

    /** The token path of {@code group} on the server. */
    public static String path(String group) {
        return "/" + group + "/token";
    }

    /** The revocation path of {@code group} on the server (configured for {@link #GOOGLE}, {@link #BASIC}, {@link #SLOW}). */
    public static String revocationPath(String group) {
        return "/" + group + "/revoke";
    }

    /** The userinfo path of {@code group} on the server (configured for {@link #GOOGLE} and {@link #BASIC}). */
    public static String userinfoPath(String group) {
        return "/" + group + "/userinfo";
    }

    public static String clientId(String group) {
        return group + "-client-id";
    }

    public static String clientSecret(String group) {
        return group + "-client-secret-9d41c7";
    }

    /** The fields of a form body the endpoint received, decoded. */
    public static Map<String, String> form(String body) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : body.split("&")) {
            String[] kv = pair.split("=", 2);
            fields.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return fields;
    }

    @Override
    public Map<String, String> start() {
        WireMockServer wm = server();
        wm.resetAll();
        Map<String, String> config = new HashMap<>();
        for (String group : GROUPS) {
            String prefix = "refresher.providers." + group + ".";
            config.put(prefix + "type", group.equals(GOOGLE) ? "google" : "oauth2");
            config.put(prefix + "client-id", clientId(group));
            config.put(prefix + "client-secret", clientSecret(group));
            config.put(prefix + "token-endpoint", group.equals(DOWN)
                    ? "http://127.0.0.1:" + closedPort() + "/token"
                    : wm.baseUrl() + path(group));
        }
        // a google group revokes at Google's endpoint unless told otherwise: never from a test
        for (String group : List.of(GOOGLE, BASIC, SLOW)) {
            config.put("refresher.providers." + group + ".revocation-endpoint", wm.baseUrl() + revocationPath(group));
        }
        // connect sessions: a google group reads accounts at Google's userinfo endpoint unless told otherwise, never
        // from a test; the basic group consents at WireMock (its authorize is never followed: tests play the callback)
        config.put("refresher.providers." + GOOGLE + ".userinfo-endpoint", wm.baseUrl() + userinfoPath(GOOGLE));
        config.put("refresher.providers." + BASIC + ".authorization-endpoint", wm.baseUrl() + "/" + BASIC + "/authorize");
        config.put("refresher.providers." + BASIC + ".userinfo-endpoint", wm.baseUrl() + userinfoPath(BASIC));
        config.put("refresher.providers." + ROTATING + ".scopes", "openid,offline_access");
        config.put("refresher.providers." + BASIC + ".client-auth", "basic");
        config.put("refresher.providers." + SLOW + ".request-timeout", "1s");
        return config;
    }

    @Override
    public void stop() {
        // shared across test classes; stopped with the JVM
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
