package dev.oauthrefresher.cron;

import java.time.Instant;
import java.util.UUID;

/**
 * One execution of a task as the registry hands it over: its id (also {@code trigger_run.id}), who
 * triggered it, the narrowing request, and the instant by which it must stop taking new work.
 */
public record TaskRun(UUID runId, TriggerKind trigger, RunRequest request, Instant deadline) {
}
