package dev.oauthrefresher.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.oauthrefresher.drain.Drain;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.Poll;
import dev.oauthrefresher.testsupport.Seeder;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A scheduler that stops waiting for a run (QStash's request timeout, {@code curl --max-time}) hangs up on it. The run
 * is the service's, not the request's: it goes on, is recorded, and a shutdown's drain waits for it meanwhile.
 */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class TriggerHangUpTest {

    @TestHTTPResource("/cron/" + GatedTestTask.NAME)
    URI trigger;

    @Inject
    Drain drain;

    @Inject
    Seeder seeder;

    @Test
    void shouldFinishAndRecordARunWhoseCallerHungUpWhileTheDrainCountsIt() throws Exception {
        GatedTestTask.gate = new CompletableFuture<>();
        GatedTestTask.started = new CompletableFuture<>();
        long completedBefore = runs("completed");
        int workBefore = drain.active();
        HttpRequest request = HttpRequest.newBuilder(trigger).timeout(Duration.ofSeconds(2))
                .header("Authorization", "Bearer test-cron-token").POST(HttpRequest.BodyPublishers.noBody()).build();

        // the client gives up on its own timeout and closes its connection while the run waits at its gate
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThatThrownBy(() -> client.send(request, HttpResponse.BodyHandlers.discarding()))
                .isInstanceOf(HttpTimeoutException.class);
        GatedTestTask.started.get(10, TimeUnit.SECONDS);
        assertThat(drain.active()).as("work a shutdown would wait for, after the hang-up").isEqualTo(workBefore + 1);
        assertThat(runs("running")).as("the run, still going").isEqualTo(1);

        GatedTestTask.gate.complete(null);
        Poll.until("the run to be recorded as completed", Duration.ofSeconds(10), () -> runs("completed") == completedBefore + 1);
        Poll.until("the drain ticket to close", Duration.ofSeconds(10), () -> drain.active() == workBefore);
        assertThat(runs("running")).isZero();
    }

    private long runs(String status) {
        return seeder.count("SELECT count(*) FROM trigger_run WHERE task = :t AND outcome = :s",
                Map.of("t", GatedTestTask.NAME, "s", status));
    }
}
