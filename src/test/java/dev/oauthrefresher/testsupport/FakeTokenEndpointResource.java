package dev.oauthrefresher.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts two stateful fake token endpoints and configures provider groups for them: {@code fake-google}
 * (type google, refresh tokens kept) and {@code fake-rotating} (type oauth2, strict single-use rotation), each with
 * the fake's revocation endpoint (Google's shape and RFC 7009's).
 * Tests reach the servers through {@link #google()} and {@link #rotating()}.
 */
public class FakeTokenEndpointResource implements QuarkusTestResourceLifecycleManager {

    public static final String CLIENT_ID = "fake-client-id";
    public static final String CLIENT_SECRET = "test-client-secret-value-do-not-log";

    private static FakeTokenEndpoint google;
    private static FakeTokenEndpoint rotating;

    public static synchronized FakeTokenEndpoint google() {
        if (google == null) {
            google = new FakeTokenEndpoint(FakeTokenEndpoint.Mode.GOOGLE, CLIENT_ID, CLIENT_SECRET);
        }
        return google;
    }

    public static synchronized FakeTokenEndpoint rotating() {
        if (rotating == null) {
            rotating = new FakeTokenEndpoint(FakeTokenEndpoint.Mode.ROTATING, CLIENT_ID, CLIENT_SECRET);
        }
        return rotating;
    }

    @Override
    public Map<String, String> start() {
        // Tests overlap two runs in one process (2 x refresher.refresh.concurrency calls at once): the pools hold
        // both, so no call waits for a connection into its request timeout on a slow machine.
        return Map.ofEntries(Map.entry("refresher.providers.fake-google.max-connections", "160"),
                Map.entry("refresher.providers.fake-rotating.max-connections", "160"),
                Map.entry("refresher.providers.fake-google.type", "google"),
                Map.entry("refresher.providers.fake-google.client-id", CLIENT_ID),
                Map.entry("refresher.providers.fake-google.client-secret", CLIENT_SECRET),
                Map.entry("refresher.providers.fake-google.token-endpoint", google().tokenUrl()),
                // never Google's own, which a google group revokes at by default
                Map.entry("refresher.providers.fake-google.revocation-endpoint", google().revocationUrl()),
                Map.entry("refresher.providers.fake-google.request-timeout", "2s"),
                Map.entry("refresher.providers.fake-rotating.type", "oauth2"),
                Map.entry("refresher.providers.fake-rotating.client-id", CLIENT_ID),
                Map.entry("refresher.providers.fake-rotating.client-secret", CLIENT_SECRET),
                Map.entry("refresher.providers.fake-rotating.token-endpoint", rotating().tokenUrl()),
                Map.entry("refresher.providers.fake-rotating.revocation-endpoint", rotating().revocationUrl()),
                Map.entry("refresher.providers.fake-rotating.request-timeout", "8s"));
    }

    @Override
    public void stop() {
        // shared across test classes; the servers die with the JVM
    }
}
