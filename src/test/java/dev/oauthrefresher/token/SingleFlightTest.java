package dev.oauthrefresher.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SingleFlightTest {

    @Test
    void shouldStillAnswerEveryOtherCallerWhenOneHangsUpWhileTheWorkRuns() {
        SingleFlight<String, String> flights = new SingleFlight<>();
        CompletableFuture<String> provider = new CompletableFuture<>();
        AtomicInteger started = new AtomicInteger();

        UniAssertSubscriber<SingleFlight.Result<String>> leader = flights.run("row", () -> {
            started.incrementAndGet();
            return Uni.createFrom().completionStage(provider);
        }).subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<SingleFlight.Result<String>> joiner = flights.run("row", () -> {
            started.incrementAndGet();
            return Uni.createFrom().completionStage(provider);
        }).subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<SingleFlight.Result<String>> impatient = flights.run("row", () -> {
            started.incrementAndGet();
            return Uni.createFrom().completionStage(provider);
        }).subscribe().withSubscriber(UniAssertSubscriber.create());

        // the leader's and a joiner's HTTP requests are closed by their clients before the refresh ends
        leader.cancel();
        impatient.cancel();
        provider.complete("token");

        assertThat(started).as("work started").hasValue(1);
        assertThat(provider).as("the work itself, never cancelled").isCompletedWithValue("token");
        SingleFlight.Result<String> joined = joiner.awaitItem(Duration.ofSeconds(5)).getItem();
        assertThat(joined.value()).isEqualTo("token");
        assertThat(joined.joined()).isTrue();
    }
}
