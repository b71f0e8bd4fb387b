package dev.oauthrefresher.sandbox;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

/**
 * The dev mode sandbox in a test instance: the {@code sandbox} profile (provider group, token endpoint, seeding,
 * refresh timings) as dev mode has it, with dev mode's admin and cron tokens so the walkthrough's commands (docs/WALKTHROUGH.md) run as written.
 * The sandbox's token, authorization and userinfo endpoints and the connect links are this instance itself, so its
 * port is chosen up front, at random. The in-process trigger stays off: the walkthrough triggers its runs, so what
 * each step finds is certain.
 */
public class SandboxProfile implements QuarkusTestProfile {

    static final int PORT = freePort();

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("quarkus.config.profile.parent", "sandbox"),
                Map.entry("quarkus.http.test-port", Integer.toString(PORT)),
                Map.entry("refresher.providers.sandbox.token-endpoint", "http://localhost:" + PORT + "/dev/sandbox/token"),
                Map.entry("refresher.providers.sandbox.authorization-endpoint",
                        "http://localhost:" + PORT + "/dev/sandbox/authorize"),
                Map.entry("refresher.providers.sandbox.userinfo-endpoint", "http://localhost:" + PORT + "/dev/sandbox/userinfo"),
                Map.entry("refresher.connect.public-url", "http://localhost:" + PORT),
                Map.entry("refresher.sandbox.webhook-url", "http://localhost:" + PORT + "/dev/sandbox/webhooks"),
                Map.entry("refresher.cron.fallback.cron", "off"),
                Map.entry("refresher.admin.tokens", "dev-admin-token"),
                Map.entry("refresher.cron.bearer-tokens", "dev-cron-token"),
                // this build has the sandbox's endpoints: its OpenAPI document must not replace the packaged one that
                // .ci/check-openapi lints (ConsentBrowserIT builds it after the package phase)
                Map.entry("quarkus.smallrye-openapi.store-schema-directory", "target/openapi-sandbox"));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
