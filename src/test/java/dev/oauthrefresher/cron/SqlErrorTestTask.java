package dev.oauthrefresher.cron;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

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
    public Uni<TaskResult> run(TaskRun run) {
        return Uni.createFrom().<TaskResult>item(() -> {
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("SELECT missing_column FROM trigger_run").getResultList());
            return TaskResult.empty();
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
