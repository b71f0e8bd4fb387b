package dev.oauthrefresher.sandbox;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

/**
 * The dev mode sandbox in a test instance: the {@code sandbox} profile (provider group, token endpoint, seeding,
 * refresh timings) as dev mode has it, with dev mode's admin and cron tokens so the walkthrough's commands (docs/WALKTHROUGH.md) run as written.
 * The sandbox's token endpoint is this instance itself, so its port is chosen up front, at random. The
 * in-process trigger stays off: the walkthrough triggers its runs, so what each step finds is certain.
 */
public class SandboxProfile implements QuarkusTestProfile {

    static final int PORT = freePort();

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.config.profile.parent", "sandbox",
                "quarkus.http.test-port", Integer.toString(PORT),
                "refresher.providers.sandbox.token-endpoint", "http://localhost:" + PORT + "/dev/sandbox/token",
                "refresher.providers.sandbox.authorization-endpoint", "http://localhost:" + PORT + "/dev/sandbox/authorize",
                "refresher.providers.sandbox.userinfo-endpoint", "http://localhost:" + PORT + "/dev/sandbox/userinfo",
                "refresher.connect.public-url", "http://localhost:" + PORT,
                "refresher.sandbox.webhook-url", "http://localhost:" + PORT + "/dev/sandbox/webhooks",
                "refresher.cron.fallback.cron", "off",
                "refresher.admin.tokens", "dev-admin-token",
                "refresher.cron.bearer-tokens", "dev-cron-token");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
