package dev.oauthrefresher.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.testsupport.FakeTokenEndpoint;
import dev.oauthrefresher.testsupport.process.Harness;
import dev.oauthrefresher.testsupport.process.Harness.TokenStore;
import dev.oauthrefresher.testsupport.process.ServiceClient;
import dev.oauthrefresher.testsupport.process.ServiceProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The denial of service issue 10 found: concurrent 10 MB POSTs to {@code /cron/...} against the packaged jar
 * with a 128 MB heap (as in the JVM image) ran it out of memory. Bodies are now refused before they are
 * buffered: a declared length over {@code quarkus.http.limits.max-body-size} gets 413 before anything is read;
 * a chunked body without a signature gets 401 before it is read; a chunked body that must be read (a bearer
 * token's run request, or a QStash signature's body) gets 413 once it passes {@code refresher.cron.max-body-size}.
 */
class OversizedBodiesIT {

    private static final int TEN_MB = 10 * 1024 * 1024;
    private static final int PER_KIND = 5;
    private static final String PATH = "/cron/" + ServiceClient.REFRESH_TASK;

    private final ExecutorService callers = Executors.newCachedThreadPool();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(callers).build();
    private Harness harness;

    /** One kind of oversized request and the answer it must get. */
    private record Attack(String name, boolean declaredLength, Map<String, String> headers, int expected) {
    }

    @AfterEach
    void tearDown() {
        callers.shutdownNow();
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    @Timeout(120)
    void shouldRefuseConcurrentOversizedBodiesWithoutRunningOutOfMemory() throws Exception {
        harness = Harness.start(Path.of("target", "oversized-bodies"), FakeTokenEndpoint.Mode.GOOGLE, TokenStore.MEMORY);
        ServiceProcess service = harness.launch("oversized", harness.createDatabase("oversized"), Map.of(),
                Harness.SERVICE_JVM).awaitReady();
        ServiceClient client = harness.client(service);
        String bearer = "Bearer " + Harness.CRON_TOKEN;
        List<Attack> attacks = List.of(
                new Attack("declared, no credential", true, Map.of(), 413),
                new Attack("declared, bearer", true, Map.of("Authorization", bearer), 413),
                new Attack("chunked, no credential", false, Map.of(), 401),
                new Attack("chunked, bearer", false, Map.of("Authorization", bearer), 413),
                new Attack("chunked, forged signature", false, Map.of("Upstash-Signature", "forged"), 413));
        // normal work first, so the heap has reached the size ordinary traffic needs
        client.createTenant("acme");
        for (int i = 0; i < 20; i++) {
            client.registerIntegration("acme", "oauth2", Harness.GROUP, "user" + i + "@acme.test", "at-" + i,
                    "rt-" + i, Instant.now().plus(Duration.ofHours(2)));
            assertThat(client.trigger(ServiceClient.REFRESH_TASK, Map.of()).status()).isEqualTo(200);
        }
        // and every refusal once, so that what its first use loads (classes, mappers) counts as normal
        attacks.forEach(attack -> send(service, attack));
        Heap before = heap(service);
        service.resetPeakRss();
        long rssBefore = service.usage().peakRssKiB();

        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (Attack attack : attacks) {
            for (int i = 0; i < PER_KIND; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> send(service, attack), callers));
            }
        }
        Map<String, Long> outcomes = answers.stream().map(CompletableFuture::join)
                .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));

        long rssPeak = service.usage().peakRssKiB();
        Heap after = heap(service);
        System.out.printf("OversizedBodiesIT: %d concurrent 10 MB POSTs: %s; live heap after GC %d -> %d KiB, "
                + "committed heap %d -> %d KiB, peak RSS %d -> %d KiB%n", answers.size(), outcomes,
                before.liveKiB(), after.liveKiB(), before.committedKiB(), after.committedKiB(), rssBefore, rssPeak);

        Map<String, Long> expected = new TreeMap<>();
        attacks.forEach(a -> expected.put(a.name() + " -> " + a.expected(), (long) PER_KIND));
        assertThat(outcomes).isEqualTo(expected);
        assertThat(service.log()).doesNotContain("OutOfMemoryError");
        assertThat(service.alive()).isTrue();
        assertThat(client.trigger(ServiceClient.REFRESH_TASK, Map.of()).status()).as("a normal trigger afterwards").isEqualTo(200);
        // had the bodies been buffered, 250 MB would have passed through a 128 MB heap
        assertThat(after.liveKiB()).as("live heap after a full GC").isLessThanOrEqualTo(before.liveKiB() + 8 * 1024);
        assertThat(rssPeak).as("peak RSS").isLessThanOrEqualTo(rssBefore + 32 * 1024);
    }

    /**
     * Sends one oversized body over a plain socket and returns "kind -> status". The answer is read while the body is
     * still being written: the service answers early and closes the connection, which a client that first finishes
     * writing (java.net.http does) sees as a broken pipe instead of the answer.
     */
    private String send(ServiceProcess service, Attack attack) {
        URI uri = service.uri(PATH);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder("POST " + PATH + " HTTP/1.1\r\nHost: " + uri.getHost() + "\r\n"
                    + "Content-Type: application/json\r\n");
            attack.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append(attack.declaredLength() ? "Content-Length: " + TEN_MB : "Transfer-Encoding: chunked").append("\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> writeBody(out, attack.declaredLength()), callers);
            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            writer.cancel(true);
            return attack.name() + " -> " + (statusLine == null ? "closed without an answer" : statusLine.split(" ")[1]);
        } catch (IOException e) {
            return attack.name() + " -> I/O error " + e.getClass().getSimpleName();
        }
    }

    /** Ten megabytes of zeros, as one body or as 64 KB chunks; stops quietly when the service closes the connection. */
    private static void writeBody(OutputStream out, boolean declaredLength) {
        byte[] chunk = new byte[64 * 1024];
        byte[] chunkHeader = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
        try {
            for (int sent = 0; sent < TEN_MB; sent += chunk.length) {
                if (!declaredLength) {
                    out.write(chunkHeader);
                }
                out.write(chunk);
                if (!declaredLength) {
                    out.write(crlf);
                }
            }
            if (!declaredLength) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        } catch (IOException e) {
            // the service refused the body and closed the connection: exactly what it should do
        }
    }

    /** Heap after a full collection (what is really held) and the heap the JVM has committed. */
    private record Heap(long liveKiB, long committedKiB) {
    }

    private Heap heap(ServiceProcess service) throws IOException, InterruptedException {
        Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(service.pid()), "GC.run").redirectErrorStream(true).start();
        gc.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(gc.waitFor(30, TimeUnit.SECONDS)).as("jcmd GC.run finished").isTrue();
        String metrics = http.send(HttpRequest.newBuilder(service.managementUri("/q/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return new Heap(sum(metrics, "jvm_memory_used_bytes{area=\"heap\"") / 1024,
                sum(metrics, "jvm_memory_committed_bytes{area=\"heap\"") / 1024);
    }

    private static long sum(String metrics, String prefix) {
        return (long) metrics.lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
