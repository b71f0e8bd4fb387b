package dev.oauthrefresher.drain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DrainTest {

    @Test
    void shouldRefuseNewWorkOnceTheDrainHasBegunAndWaitForWorkAlreadyIn() throws Exception {
        Drain drain = new Drain();
        Drain.Ticket run = drain.tryEnter().orElseThrow();
        assertThat(drain.begin()).isTrue();
        assertThat(drain.begin()).as("a second begin").isFalse();

        assertThat(drain.tryEnter()).as("a new run after the drain began").isEqualTo(Optional.empty());
        Drain.Ticket leased = drain.enter();
        assertThat(drain.active()).as("the run, and a leased row's refresh that entered while draining").isEqualTo(2);
        assertThat(drain.awaitIdle(Duration.ZERO)).as("idle with work in").isFalse();

        CompletableFuture<Boolean> idle = CompletableFuture.supplyAsync(() -> {
            try {
                return drain.awaitIdle(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        run.close();
        run.close();
        assertThat(drain.active()).as("a ticket closed twice counts once").isEqualTo(1);
        assertThat(idle).isNotDone();
        leased.close();
        assertThat(idle.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(drain.active()).isZero();
    }
}
