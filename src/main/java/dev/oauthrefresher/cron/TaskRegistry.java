package dev.oauthrefresher.cron;

import io.quarkus.arc.All;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** Every {@link CronTask} by name: the single place a task name is resolved. */
@ApplicationScoped
public class TaskRegistry {

    private final Map<String, CronTask> tasks = new TreeMap<>();

    TaskRegistry(@All List<CronTask> registered) {
        for (CronTask task : registered) {
            CronTask clash = tasks.put(task.name(), task);
            if (clash != null) {
                throw new IllegalStateException("Two cron tasks are named '" + task.name() + "'");
            }
        }
    }

    public Optional<CronTask> find(String name) {
        return Optional.ofNullable(tasks.get(name));
    }

    public Set<String> names() {
        return tasks.keySet();
    }
}
