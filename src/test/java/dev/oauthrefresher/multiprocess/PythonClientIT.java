package dev.oauthrefresher.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.process.ApiSeeder;
import dev.oauthrefresher.testsupport.process.Harness;
import dev.oauthrefresher.testsupport.process.Harness.TokenStore;
import dev.oauthrefresher.testsupport.process.ServiceClient;
import dev.oauthrefresher.testsupport.process.ServiceProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Python client ({@code clients/python}) against its real peer, the packaged service: this test starts the jar
 * with a fake token endpoint, seeds a tenant, a key and two integrations (one whose grant the provider has revoked),
 * and runs the client's live tests ({@code clients/python/tests_live}) with Debian's {@code python3}. They get an
 * access token, a 424 as {@code ReconnectRequired}, and a {@code webhook.test} the service signed, which the client
 * verifies and refuses once a byte of it is altered, and a connect session whose link sends the browser on to the
 * group's authorization endpoint with PKCE. No {@code python3} is a failure, not a skip. The client's unit
 * tests need no service: {@code .ci/run} runs them before the build.
 */
class PythonClientIT {

    private static final Path CLIENT = Path.of("clients", "python");
    private static final Duration PYTHON_LIMIT = Duration.ofMinutes(3);
    private static final String PUBLIC_URL = "https://refresher.example.test";
    private static final String REDIRECT_URI = "https://app.example.test/oauth/return";
    private static final String AUTHORIZATION_ENDPOINT = "https://accounts.example.test/authorize";
    private static final List<String> SCOPES = List.of("tokens:read", "integrations:read", "integrations:write",
            "webhooks:write");

    private Harness harness;

    @AfterEach
    void tearDown() {
        if (harness != null) {
            harness.close();
            assertThat(harness.secretsInServiceLogs()).as("service log lines with a token or secret").isEmpty();
        }
    }

    @Test
    @Timeout(300)
    void shouldPassThePythonClientsLiveTestsAgainstThePackagedService() throws Exception {
        harness = Harness.start(Path.of("target", "python-client"), FakeTokenEndpoint.Mode.GOOGLE, TokenStore.MEMORY);
        // the live tests' webhook receiver listens on http://127.0.0.1; a forceRefresh is honoured at once, not only
        // 60 s after the seeding's registration (which counts as the last refresh)
        // the harness's group gains an authorization endpoint (never visited: the live test reads the redirect to it),
        // and the service a public URL as an ingress would give it, so connect sessions can be created
        ServiceProcess service = harness.launch("python-client", harness.createDatabase("python_client"),
                Map.of("refresher.webhooks.allow-insecure-urls", "true",
                        "refresher.on-demand.force-refresh-min-interval", "0s",
                        "refresher.providers." + Harness.GROUP + ".authorization-endpoint", AUTHORIZATION_ENDPOINT,
                        "refresher.providers." + Harness.GROUP + ".default-scopes", "email",
                        "refresher.connect.public-url", PUBLIC_URL), Harness.SERVICE_JVM).awaitReady();
        ServiceClient client = harness.client(service);
        List<ApiSeeder.Seeded> seeded = ApiSeeder.seed(client, harness.provider(), Harness.GROUP, "py", 1, 2,
                Instant.now().plus(Duration.ofHours(1)), 2);
        String key = client.createApiKey(seeded.get(0).tenant(), SCOPES);
        client.setRedirectUris(seeded.get(0).tenant(), List.of(REDIRECT_URI));
        ApiSeeder.Seeded revoked = seeded.get(1);
        harness.provider().revoke(revoked.grant());

        Path output = Files.createDirectories(harness.workDirectory()).resolve("python-live-tests.log");
        Process python = startPython(Map.of(
                "OAUTH_REFRESHER_LIVE", "1",
                "OAUTH_REFRESHER_URL", service.uri("/").toString(),
                "OAUTH_REFRESHER_KEY", key,
                "OAUTH_REFRESHER_INTEGRATION", seeded.get(0).id().toString(),
                "OAUTH_REFRESHER_REVOKED_INTEGRATION", revoked.id().toString(),
                "OAUTH_REFRESHER_PROVIDER_GROUP", Harness.GROUP,
                "OAUTH_REFRESHER_PUBLIC_URL", PUBLIC_URL,
                "OAUTH_REFRESHER_REDIRECT_URI", REDIRECT_URI,
                "OAUTH_REFRESHER_AUTHORIZATION_ENDPOINT", AUTHORIZATION_ENDPOINT), output);
        boolean finished = python.waitFor(PYTHON_LIMIT.toSeconds(), TimeUnit.SECONDS);
        if (!finished) {
            python.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String log = Files.readString(output, StandardCharsets.UTF_8);
        System.out.println("[python-client] python3 -m unittest discover -s tests_live:\n" + log);

        assertThat(finished).as("the live tests finished within " + PYTHON_LIMIT).isTrue();
        assertThat(python.exitValue()).as("exit code of the Python client's live tests").isZero();
        assertThat(log).as("the live tests ran, none skipped").containsPattern("Ran [1-9][0-9]* tests")
                .doesNotContain("skipped");
        assertThat(log).as("the API key in the Python tests' output").doesNotContain(key);
    }

    /** The live tests with {@code environment}, output to {@code output}; a missing {@code python3} fails the test. */
    private static Process startPython(Map<String, String> environment, Path output) {
        ProcessBuilder builder = new ProcessBuilder("python3", "-m", "unittest", "discover", "-v", "-s", "tests_live",
                "-t", ".").directory(CLIENT.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(output.toFile()));
        builder.environment().putAll(environment);
        // no __pycache__ in the source tree
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        try {
            return builder.start();
        } catch (IOException e) {
            return fail("python3 could not be started (Debian package python3; .ci/run installs it): " + e.getMessage());
        }
    }
}
