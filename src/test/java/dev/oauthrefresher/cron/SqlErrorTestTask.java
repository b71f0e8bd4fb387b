package dev.oauthrefresher.cron;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.Map;

/** A registered task whose SQL the real database rejects: a bug a retry cannot fix, unlike a lost connection. */
@ApplicationScoped
public class SqlErrorTestTask implements CronTask {

    public static final String NAME = "test-sql-error-task";

    private final EntityManager em;

    SqlErrorTestTask(EntityManager em) {
        this.em = em;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Duration budget() {
        return Duration.ofMinutes(1);
    }

    @Override
    public Uni<TaskResult> run(TaskRun run) {
        return Uni.createFrom().<TaskResult>item(() -> {
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("SELECT missing_column FROM trigger_run").getResultList());
            return new TaskResult(0, 0, 0, 0, 0, 0, 0, Map.of());
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
