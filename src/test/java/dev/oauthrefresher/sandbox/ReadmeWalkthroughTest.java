package dev.oauthrefresher.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The walkthrough (docs/WALKTHROUGH.md, which README's "Try it" gives a taste of), run as a newcomer would: its
 * {@code bash} blocks, read from the file, step by step in one bash session, with curl against an instance that has
 * dev mode's sandbox provider and demo tenant; each step's outcome is the one the walkthrough describes. A step the
 * walkthrough adds without an assertion here fails the test, and so does a command in README's taste that the
 * walkthrough does not run.
 */
@QuarkusTest
@TestProfile(SandboxProfile.class)
@WithTestResource(EmbeddedPostgresResource.class)
class ReadmeWalkthroughTest {

    private static final Path WALKTHROUGH = Path.of("docs", "WALKTHROUGH.md");
    private static final Path README = Path.of("README.md");
    private static final Pattern STEP = Pattern.compile("(?m)^### (\\d+)\\. (.+)$");
    private static final Pattern BASH_BLOCK = Pattern.compile("(?s)```bash\\n(.*?)```");
    private static final String DEV_URL = "localhost:8080";
    /** Sandbox tokens live two minutes and the lead time is 110 s: a token is due again this long after a refresh. */
    private static final Duration NOT_DUE_AFTER_REFRESH = Duration.ofSeconds(10);

    /** Bounds the wait for a webhook delivery, which the dispatcher sends at once after the status change. */
    private static final Duration WEBHOOK_DELIVERY = Duration.ofSeconds(15);

    private final ObjectMapper json = new ObjectMapper();
    private Terminal terminal;

    @BeforeEach
    void openTerminal() throws IOException {
        terminal = new Terminal();
    }

    @AfterEach
    void closeTerminal() {
        terminal.close();
    }

    @Test
    void shouldShowEveryOutcomeTheWalkthroughPromisesWhenItsCommandsRunInOrder() throws Exception {
        Map<String, List<String>> steps = walkthrough();
        assertThat(steps.keySet()).as("the walkthrough's steps, each checked below")
                .containsExactly("List the demo integrations", "Watch them refresh", "Revoke one", "See it expire",
                        "Receive the webhook", "Create a tenant API key", "Reconnect it", "Get an access token",
                        "Connect a new account in the browser");

        Map<String, JsonNode> listed = byAccount(run(steps, "List the demo integrations", 0));
        assertThat(listed).containsOnlyKeys("alice@demo.test", "bob@demo.test", "carol@demo.test", "dave@demo.test",
                "erin@demo.test");
        assertThat(listed.values()).allSatisfy(i -> {
            assertThat(i.path("status").asText()).isEqualTo("active");
            assertThat(i.path("providerGroup").asText()).isEqualTo("sandbox");
        });

        JsonNode firstRun = run(steps, "Watch them refresh", 0);
        assertThat(firstRun.path("refreshed").asInt()).isEqualTo(3);
        assertThat(firstRun.path("expired").asInt()).isEqualTo(1);
        assertThat(firstRun.path("deferred").asInt()).isEqualTo(1);
        assertThat(firstRun.path("remaining").asInt()).isZero();
        Map<String, JsonNode> afterRun = byAccount(run(steps, "List the demo integrations", 0));
        for (String account : List.of("alice@demo.test", "bob@demo.test", "carol@demo.test")) {
            assertThat(afterRun.get(account).path("status").asText()).as(account).isEqualTo("active");
            assertThat(afterRun.get(account).path("lastRefreshedAt").isTextual()).as(account).isTrue();
        }
        assertThat(afterRun.get("dave@demo.test").path("status").asText()).isEqualTo("expired");
        assertThat(afterRun.get("dave@demo.test").path("lastErrorCode").asText()).isEqualTo("invalid_grant");
        assertThat(afterRun.get("erin@demo.test").path("status").asText()).isEqualTo("active");
        assertThat(afterRun.get("erin@demo.test").path("consecutiveFailures").asInt()).isEqualTo(1);
        assertThat(afterRun.get("erin@demo.test").path("lastErrorCode").asText()).isEqualTo("http_503");

        JsonNode revoked = run(steps, "Revoke one", 0);
        assertThat(revoked.path("grant").asText()).isEqualTo("bob");
        assertThat(revoked.path("revoked").asBoolean()).isTrue();

        // as the walkthrough says: right after a run, bob's token is not due for a few seconds, so run the command again
        Instant deadline = Instant.now().plus(NOT_DUE_AFTER_REFRESH.multipliedBy(3));
        JsonNode secondRun = run(steps, "See it expire", 0);
        while (secondRun.path("selected").asInt() == 0 && Instant.now().isBefore(deadline)) {
            Thread.sleep(1000);
            secondRun = run(steps, "See it expire", 0);
        }
        assertThat(secondRun.path("expired").asInt()).isEqualTo(1);
        assertThat(secondRun.path("remaining").asInt()).isZero();
        Map<String, JsonNode> afterRevoke = byAccount(run(steps, "List the demo integrations", 0));
        assertThat(afterRevoke.get("bob@demo.test").path("status").asText()).isEqualTo("expired");
        assertThat(afterRevoke.get("bob@demo.test").path("lastErrorCode").asText()).isEqualTo("invalid_grant");
        assertThat(afterRevoke.get("alice@demo.test").path("status").asText()).isEqualTo("active");

        // deliveries are asynchronous: ask again, as the walkthrough says, until Bob's event is there
        Instant delivered = Instant.now().plus(WEBHOOK_DELIVERY);
        Map<String, JsonNode> expiredEvents = expiredEventsByAccount(run(steps, "Receive the webhook", 0));
        while (!expiredEvents.containsKey("bob@demo.test") && Instant.now().isBefore(delivered)) {
            Thread.sleep(200);
            expiredEvents = expiredEventsByAccount(run(steps, "Receive the webhook", 0));
        }
        assertThat(expiredEvents).containsOnlyKeys("bob@demo.test", "dave@demo.test");
        JsonNode bobExpired = expiredEvents.get("bob@demo.test");
        assertThat(bobExpired.path("webhookId").asText()).startsWith("evt_");
        assertThat(bobExpired.path("integrationId").asText()).isEqualTo(afterRevoke.get("bob@demo.test").path("id").asText());
        assertThat(bobExpired.path("previousStatus").asText()).isEqualTo("active");
        assertThat(bobExpired.path("status").asText()).isEqualTo("expired");
        assertThat(bobExpired.path("reasonCode").asText()).isEqualTo("invalid_grant");

        Map<String, JsonNode> expired = byAccount(run(steps, "Create a tenant API key", 0));
        assertThat(expired).containsOnlyKeys("bob@demo.test", "dave@demo.test");

        JsonNode reconnected = run(steps, "Reconnect it", 0);
        assertThat(reconnected.path("externalAccount").asText()).isEqualTo("bob@demo.test");
        assertThat(reconnected.path("status").asText()).isEqualTo("active");
        assertThat(reconnected.path("consecutiveFailures").asInt()).isZero();

        JsonNode accessToken = json.readTree(terminal.run(command(steps, "Get an access token", 0)));
        assertThat(accessToken.path("accessToken").asText()).startsWith("sbx-at-");
        assertThat(accessToken.path("tokenType").asText()).isEqualTo("Bearer");
        assertThat(Instant.parse(accessToken.path("expiresAt").asText())).isAfter(Instant.now());
        assertThat(accessToken.toString()).doesNotContain("sbx-rt-");

        String link = terminal.run(command(steps, "Connect a new account in the browser", 0));
        assertThat(link).startsWith("http://localhost:" + SandboxProfile.PORT + "/connect/");
        URI landed = new Browser().approve(URI.create(link));
        assertThat(landed.getPath()).isEqualTo("/dev/sandbox/connected");
        Map<String, String> told = query(landed);
        assertThat(told).containsOnlyKeys("integration_id", "outcome").containsEntry("outcome", "connected");
        JsonNode connected = run(steps, "Connect a new account in the browser", 1);
        assertThat(connected.path("id").asText()).isEqualTo(told.get("integration_id"));
        assertThat(connected.path("externalAccount").asText()).isEqualTo("you@demo.test");
        assertThat(connected.path("providerGroup").asText()).isEqualTo("sandbox");
        assertThat(connected.path("status").asText()).isEqualTo("active");
    }

    /**
     * What the newcomer's browser does with the link, in plain HTTP (ConsentBrowserIT clicks it in a real one): the
     * session's redirect to the sandbox's consent page (setting the binding cookie), the page, the Approve button's
     * form POST with the account it suggests, and the redirects through the callback to the app's page; where it
     * landed.
     */
    private static final class Browser {

        private static final Pattern HIDDEN_REQUEST = Pattern.compile("name=\"request\" value=\"([A-Za-z0-9_-]{43})\"");
        private static final Pattern ACCOUNT = Pattern.compile("id=\"account\" name=\"account\" value=\"([^\"]+)\"");

        private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

        URI approve(URI link) throws Exception {
            HttpResponse<String> opened = send(HttpRequest.newBuilder(link).GET());
            URI consent = redirected(opened, link);
            // the binding cookie (Path=/connect/callback), sent back where a browser would send it: to the callback
            String binding = opened.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
            assertThat(consent.getPath()).isEqualTo("/dev/sandbox/authorize");
            HttpResponse<String> page = send(HttpRequest.newBuilder(consent).GET());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("calendar.read", "Approve", "Deny");
            Matcher handle = HIDDEN_REQUEST.matcher(page.body());
            Matcher account = ACCOUNT.matcher(page.body());
            assertThat(handle.find()).as("the consent form's request handle").isTrue();
            assertThat(account.find()).as("the account the page suggests").isTrue();
            String form = "request=" + handle.group(1) + "&account=" + URLEncoder.encode(account.group(1), StandardCharsets.UTF_8)
                    + "&decision=approve";
            URI next = redirected(send(HttpRequest.newBuilder(consent)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form))), consent);
            assertThat(next.getPath()).isEqualTo("/connect/callback");
            URI landed = redirected(send(HttpRequest.newBuilder(next).header("Cookie", binding).GET()), next);
            HttpResponse<String> app = send(HttpRequest.newBuilder(landed).GET());
            assertThat(app.statusCode()).isEqualTo(200);
            return landed;
        }

        private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        }

        private static URI redirected(HttpResponse<String> response, URI from) {
            assertThat(response.statusCode()).as("answer of %s", from.getPath()).isEqualTo(302);
            return from.resolve(response.headers().firstValue("Location").orElseThrow());
        }
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int equals = pair.indexOf('=');
            parameters.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return parameters;
    }

    @Test
    void shouldShowInTheReadmeOnlyCommandsTheWalkthroughRuns() throws IOException {
        List<String> walkthroughLines = walkthrough().values().stream().flatMap(List::stream)
                .flatMap(command -> command.lines().map(String::trim)).toList();
        List<String> taste = new ArrayList<>();
        Matcher block = BASH_BLOCK.matcher(section(README, "## Try it"));
        while (block.find()) {
            block.group(1).lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(taste::add);
        }
        assertThat(taste).as("README's taste of the walkthrough").isNotEmpty();
        assertThat(taste.stream().filter(line -> !walkthroughLines.contains(line)).toList())
                .as("commands in README's Try it that %s does not run", WALKTHROUGH).isEmpty();
    }

    /** The walkthrough's "The steps": its numbered steps, each with the commands of its bash blocks. */
    private static Map<String, List<String>> walkthrough() throws IOException {
        String section = section(WALKTHROUGH, "## The steps");
        Map<String, List<String>> steps = new LinkedHashMap<>();
        Matcher step = STEP.matcher(section);
        List<int[]> bounds = new ArrayList<>();
        List<String> titles = new ArrayList<>();
        while (step.find()) {
            titles.add(step.group(2).trim());
            bounds.add(new int[] {step.end(), section.length()});
            if (bounds.size() > 1) {
                bounds.get(bounds.size() - 2)[1] = step.start();
            }
        }
        for (int i = 0; i < titles.size(); i++) {
            List<String> commands = new ArrayList<>();
            Matcher block = BASH_BLOCK.matcher(section.substring(bounds.get(i)[0], bounds.get(i)[1]));
            while (block.find()) {
                commands.add(block.group(1).trim());
            }
            assertThat(commands).as("commands of step '%s'", titles.get(i)).isNotEmpty();
            steps.put(titles.get(i), commands);
        }
        return steps;
    }

    /** The section of {@code file} under the level-2 {@code heading}, up to the next level-2 heading. */
    private static String section(Path file, String heading) throws IOException {
        String text = Files.readString(file);
        int start = text.indexOf("\n" + heading);
        assertThat(start).as("section '%s' of %s", heading, file).isPositive();
        int end = text.indexOf("\n## ", start + 1);
        return text.substring(start, end < 0 ? text.length() : end);
    }

    /**
     * Runs one of the walkthrough's commands in its terminal, against this instance instead of dev mode's port,
     * and reads its JSON answer; no step's answer shows a token.
     */
    private JsonNode run(Map<String, List<String>> steps, String step, int block) throws Exception {
        String output = terminal.run(command(steps, step, block));
        assertThat(output).as("step '%s' never shows a token", step).doesNotContain("sbx-");
        return json.readTree(output);
    }

    /** A command of the walkthrough's, pointed at this instance instead of dev mode's port. */
    private static String command(Map<String, List<String>> steps, String step, int block) {
        String command = steps.get(step).get(block);
        assertThat(command).as("step '%s' talks to dev mode's port", step).contains(DEV_URL);
        return command.replace(DEV_URL, "localhost:" + SandboxProfile.PORT);
    }

    /** One bash session, like the newcomer's second terminal: what a command sets stays for the next. */
    private static final class Terminal implements AutoCloseable {

        private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

        private final Process bash;
        private final BufferedReader output;
        private final Writer input;
        private final ExecutorService reader = Executors.newSingleThreadExecutor();
        private int commands;

        Terminal() throws IOException {
            bash = new ProcessBuilder("bash", "--noprofile", "--norc").redirectErrorStream(true).start();
            output = new BufferedReader(new InputStreamReader(bash.getInputStream(), StandardCharsets.UTF_8));
            input = new OutputStreamWriter(bash.getOutputStream(), StandardCharsets.UTF_8);
        }

        /** Runs {@code command}, which must succeed; its output. */
        String run(String command) throws Exception {
            String marker = "walkthrough-command-" + (++commands) + "-exited";
            input.write(command + "\nprintf '\\n%s %s\\n' " + marker + " $?\n");
            input.flush();
            Future<String[]> read = reader.submit(() -> {
                StringBuilder text = new StringBuilder();
                for (String line = output.readLine(); line != null; line = output.readLine()) {
                    if (line.startsWith(marker + " ")) {
                        return new String[] {text.toString().trim(), line.substring(marker.length() + 1)};
                    }
                    text.append(line).append('\n');
                }
                return new String[] {text.toString().trim(), "end of output"};
            });
            String[] result = read.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(result[1]).as("exit status of: %s%n%s", command, result[0]).isEqualTo("0");
            return result[0];
        }

        @Override
        public void close() {
            reader.shutdownNow();
            bash.destroy();
        }
    }

    /** The receiver's {@code integration.expired} events by account: one each, since every expiry is one event. */
    private static Map<String, JsonNode> expiredEventsByAccount(JsonNode received) {
        Map<String, JsonNode> byAccount = new HashMap<>();
        received.path("items").forEach(e -> {
            if ("integration.expired".equals(e.path("type").asText())) {
                assertThat(byAccount.put(e.path("externalAccount").asText(), e)).as("one event per expiry").isNull();
            }
        });
        return byAccount;
    }

    private static Map<String, JsonNode> byAccount(JsonNode page) {
        Map<String, JsonNode> byAccount = new HashMap<>();
        page.path("items").forEach(i -> byAccount.put(i.path("externalAccount").asText(), i));
        return byAccount;
    }
}
