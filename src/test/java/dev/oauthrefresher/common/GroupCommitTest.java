package dev.oauthrefresher.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link GroupCommit}'s linger: the first item into an idle group waits for company, items queued behind a batch never do. */
class GroupCommitTest {

    @Test
    void shouldGatherWhatArrivesWithinTheLingerIntoOneBatch() throws Exception {
        Duration linger = Duration.ofSeconds(2);
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        CompletableFuture<Long> handledAt = new CompletableFuture<>();
        GroupCommit<Integer> group = new GroupCommit<>(100, linger, batch -> {
            batches.add(List.copyOf(batch));
            handledAt.complete(System.nanoTime());
        });

        long firstAdded = System.nanoTime();
        IntStream.range(0, 50).forEach(group::add);

        long handled = handledAt.get(30, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(handled - firstAdded)).as("the first item waited for company").isGreaterThanOrEqualTo(linger);
        assertThat(batches).as("fifty items added in microseconds share one batch").hasSize(1);
        assertThat(batches.get(0)).hasSize(50);
    }

    @Test
    void shouldStartTheNextBatchAtOnceForItemsQueuedBehindARunningOne() throws Exception {
        Duration linger = Duration.ofSeconds(3);
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        CompletableFuture<Long> secondAt = new CompletableFuture<>();
        GroupCommit<Integer> group = new GroupCommit<>(100, linger, batch -> {
            batches.add(List.copyOf(batch));
            if (batches.size() == 1) {
                firstRunning.countDown();
                await(releaseFirst);
            } else {
                secondAt.complete(System.nanoTime());
            }
        });

        group.add(0);
        assertThat(firstRunning.await(30, TimeUnit.SECONDS)).isTrue();
        IntStream.range(1, 10).forEach(group::add);
        long released = System.nanoTime();
        releaseFirst.countDown();

        long second = secondAt.get(30, TimeUnit.SECONDS);
        assertThat(batches).containsExactly(List.of(0), List.of(1, 2, 3, 4, 5, 6, 7, 8, 9));
        assertThat(Duration.ofNanos(second - released)).as("no second linger for items that already waited")
                .isLessThan(linger);
    }

    @Test
    void shouldNotLingerAfterABusyBatch() throws Exception {
        Duration linger = Duration.ofSeconds(3);
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Long>> handledAt = List.of(new CompletableFuture<>(), new CompletableFuture<>());
        GroupCommit<Integer> group = new GroupCommit<>(100, linger, batch -> {
            batches.add(List.copyOf(batch));
            handledAt.get(batches.size() - 1).complete(System.nanoTime());
        });
        // one batch of twice the busy size: the recent average is then the busy size itself
        IntStream.range(0, 2 * GroupCommit.BUSY_BATCH).forEach(group::add);
        handledAt.get(0).get(30, TimeUnit.SECONDS);

        long added = System.nanoTime();
        group.add(99);

        long handled = handledAt.get(1).get(30, TimeUnit.SECONDS);
        assertThat(batches.get(0)).hasSize(2 * GroupCommit.BUSY_BATCH);
        assertThat(batches.get(1)).containsExactly(99);
        assertThat(Duration.ofNanos(handled - added)).as("a busy group sends at once").isLessThan(linger);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
