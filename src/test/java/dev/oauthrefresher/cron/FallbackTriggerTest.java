package dev.oauthrefresher.cron;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import dev.oauthrefresher.testsupport.Seeder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The in-process fallback: silent while external triggers run, takes over when they go quiet. */
@QuarkusTest
@TestProfile(FallbackTriggerTest.FallbackOn.class)
@WithTestResource(EmbeddedPostgresResource.class)
class FallbackTriggerTest {

    /** Fallback checking every second, with a short grace period, running the counting task. */
    public static class FallbackOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("refresher.cron.fallback.enabled", "true",
                    "refresher.cron.fallback.cron", "* * * * * ?",
                    "refresher.cron.fallback.grace-period", "1m",
                    "refresher.cron.fallback.task", CountingTestTask.NAME);
        }
    }

    @Inject
    Seeder seeder;

    long schedulerRuns(String outcome) {
        return seeder.count("SELECT count(*) FROM trigger_run WHERE trigger_kind = 'scheduler' AND outcome = :o",
                Map.of("o", outcome));
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
        int runsBefore = CountingTestTask.RUNS.get();

        await(() -> schedulerRuns("skipped") >= 2, Duration.ofSeconds(10));
        assertThat(schedulerRuns("skipped")).as("skips while the CronJob is alive").isGreaterThanOrEqualTo(2);
        assertThat(CountingTestTask.RUNS.get()).as("runs while the CronJob is alive").isEqualTo(runsBefore);

        // The CronJob's last run is now older than the grace period.
        seeder.sql("UPDATE trigger_run SET started_at = now() - interval '2 minutes', finished_at = now() - interval '2 minutes' "
                + "WHERE id = :id", Map.of("id", external));
        await(() -> schedulerRuns("completed") >= 1, Duration.ofSeconds(10));
        assertThat(schedulerRuns("completed")).as("fallback runs once the external trigger is quiet").isGreaterThanOrEqualTo(1);
        assertThat(CountingTestTask.RUNS.get()).isGreaterThan(runsBefore);
    }
}
