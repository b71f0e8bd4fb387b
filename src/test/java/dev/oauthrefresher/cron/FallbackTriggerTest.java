package dev.oauthrefresher.cron;

import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.Seeder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The in-process fallback: silent while external triggers run, takes over when they go quiet. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class FallbackTriggerTest {

    @Inject
    Seeder seeder;

    long schedulerRuns(String outcome) {
        return seeder.count("SELECT count(*) FROM trigger_run WHERE trigger_kind = 'scheduler' AND task = :t AND outcome = :o",
                Map.of("t", FallbackTestTask.NAME, "o", outcome));
    }

    static void await(BooleanSupplier condition, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    @Test
    void shouldSkipWhileExternalTriggersAreFreshAndRunWhenTheyGoQuiet() throws InterruptedException {
        seeder.sql("DELETE FROM trigger_run WHERE trigger_kind IN ('qstash', 'bearer', 'scheduler')", Map.of());
        UUID external = UUID.randomUUID();
        seeder.sql("INSERT INTO trigger_run (id, task, trigger_kind, started_at, finished_at, outcome) "
                + "VALUES (:id, 'refresh-expiring-integrations', 'bearer', now(), now(), 'completed')", Map.of("id", external));

        // Checks run one at a time; after two skips every check that may have started before the insert is over.
        await(() -> schedulerRuns("skipped") >= 2, Duration.ofSeconds(10));
        long completedBefore = schedulerRuns("completed");
        long skipsBefore = schedulerRuns("skipped");
        await(() -> schedulerRuns("skipped") >= skipsBefore + 2, Duration.ofSeconds(10));
        assertThat(schedulerRuns("skipped")).as("skips while the CronJob is alive").isGreaterThanOrEqualTo(skipsBefore + 2);
        assertThat(schedulerRuns("completed")).as("runs while the CronJob is alive").isEqualTo(completedBefore);

        // The CronJob's last run is now older than the grace period.
        seeder.sql("UPDATE trigger_run SET started_at = now() - interval '2 minutes', finished_at = now() - interval '2 minutes' "
                + "WHERE id = :id", Map.of("id", external));
        await(() -> schedulerRuns("completed") > completedBefore, Duration.ofSeconds(10));
        assertThat(schedulerRuns("completed")).as("fallback runs once the external trigger is quiet").isGreaterThan(completedBefore);
    }
}
