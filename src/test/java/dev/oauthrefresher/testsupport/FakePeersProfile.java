package dev.oauthrefresher.testsupport;

import dev.oauthrefresher.cron.FallbackTestTask;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The suite's common boot: the memory token store on real PostgreSQL with every fake peer (the stateful token
 * endpoints, mock-oauth2-server, WireMock), QStash signing keys (the published local-development ones) beside the
 * CronJob bearer tokens, and the in-process fallback checking every second, with a minute's grace, running
 * {@link FallbackTestTask}, and connect sessions enabled ({@link #CONNECT_PUBLIC_URL}). Quarkus boots once per
 * profile and resource set, so every test that needs nothing else
 * takes this one, whichever peers it talks to.
 */
public class FakePeersProfile implements QuarkusTestProfile {

    /** {@code refresher.connect.public-url}: connect links and the callback name it; tests send them to the test port. */
    public static final String CONNECT_PUBLIC_URL = "https://refresher.test";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "refresher.cron.qstash.current-signing-key", QStashSigner.CURRENT_KEY,
                "refresher.cron.qstash.next-signing-key", QStashSigner.NEXT_KEY,
                "refresher.cron.public-url", QStashSigner.PUBLIC_URL + "/",
                "refresher.cron.max-body-size", "1K",
                "refresher.cron.fallback.cron", "* * * * * ?",
                "refresher.cron.fallback.grace-period", "1m",
                "refresher.cron.fallback.task", FallbackTestTask.NAME,
                // connect sessions: the browser-facing URLs a reverse proxy would serve; tests replay them locally
                "refresher.connect.public-url", CONNECT_PUBLIC_URL);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(EmbeddedPostgresResource.class),
                new TestResourceEntry(FakeTokenEndpointResource.class),
                new TestResourceEntry(MockOAuthServerResource.class),
                new TestResourceEntry(WireMockTokenEndpointResource.class));
    }
}
