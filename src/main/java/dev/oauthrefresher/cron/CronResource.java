package dev.oauthrefresher.cron;

import dev.oauthrefresher.drain.Drain;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.oauthrefresher.common.BearerTokens;
import dev.oauthrefresher.common.DatabaseDown;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import dev.oauthrefresher.web.RequestProblemMappers;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Validator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /cron/{task}}: the trigger QStash and the Kubernetes CronJob call. Checks who is calling, the
 * content type and the body, in that order, then hands over to {@link TriggerService}. The body is a stream,
 * never buffered whole: a caller without a signature is refused before a byte of it is read, and at most
 * {@code refresher.cron.max-body-size} is read for a signature or a run request (413 beyond).
 */
// who may trigger is this resource's own check (QStash signature or bearer token), not the security layer's
@PermitAll
@Path("/cron/{task}")
@Tag(name = "cron")
public class CronResource {

    static final String NON_RETRYABLE = "Upstash-NonRetryable-Error";

    private final TaskRegistry registry;
    private final TriggerService triggers;
    private final QStashVerifier qstash;
    private final SignatureReplayGuard replays;
    private final CronConfig config;
    private final ObjectMapper json;
    private final Validator validator;
    private final Drain drain;

    CronResource(TaskRegistry registry, TriggerService triggers, QStashVerifier qstash, SignatureReplayGuard replays,
            CronConfig config, ObjectMapper json, Validator validator, Drain drain) {
        this.registry = registry;
        this.triggers = triggers;
        this.qstash = qstash;
        this.replays = replays;
        this.config = config;
        this.json = json;
        this.validator = validator;
        this.drain = drain;
    }

    @POST
    @Blocking
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "triggerTask", summary = "Run a scheduled task",
            description = "Starts a task (refresh, …) for a scheduler: Upstash QStash (Upstash-Signature JWT over the body) or a Kubernetes CronJob (bearer token). Answers the run's summary; a QStash message delivered twice runs once.")
    public Uni<RunSummary> trigger(@PathParam("task") String task,
            @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @HeaderParam("Upstash-Signature") String signature,
            @HeaderParam("Upstash-Message-Id") String messageId,
            InputStream body) throws JsonProcessingException {
        try {
            return accept(task, contentType, authorization, signature, messageId, body)
                    .onFailure(DatabaseDown::is).transform(e -> unavailable())
                    .onFailure(e -> !(e instanceof ProblemException)).transform(e -> new ProblemException(
                            ProblemType.RUN_FAILED, "The run failed; it is recorded as failed and logged."));
        } catch (RuntimeException e) {
            throw DatabaseDown.is(e) ? unavailable() : e;
        }
    }

    private Uni<RunSummary> accept(String task, String contentType, String authorization, String signature,
            String messageId, InputStream body) throws JsonProcessingException {
        // Only a QStash signature needs the body to be checked; a bearer token is checked before reading it.
        byte[] raw = signature == null ? null : read(body);
        TriggerKind kind = authenticate(authorization, signature, raw, task);
        if (drain.isDraining()) {
            // readiness is already DOWN; a caller that still reached this replica retries and lands on another
            throw new ProblemException(ProblemType.SHUTTING_DOWN,
                    "This replica is shutting down; nothing was run. Try again.",
                    config.retryAfter());
        }
        if (raw == null) {
            raw = read(body);
        }
        if (raw.length > 0 && !isJson(contentType)) {
            throw new ProblemException(ProblemType.UNSUPPORTED_MEDIA_TYPE,
                    "Send the run request as application/json, or send no body.");
        }
        CronTask cronTask = registry.find(task).orElseThrow(() -> unknownTask(task, kind));
        RunRequest request;
        try {
            request = parse(raw);
        } catch (JsonProcessingException | ConstraintViolationException e) {
            if (kind != TriggerKind.QSTASH) {
                throw e;
            }
            // QStash retries every 4xx but 489; a malformed request can never succeed, so stop the retries.
            String detail = e instanceof JsonProcessingException j ? RequestProblemMappers.detailOf(j)
                    : RequestProblemMappers.detailOf(RequestProblemMappers.violationsOf((ConstraintViolationException) e));
            throw new ProblemException(ProblemType.INVALID_REQUEST, detail)
                    .answeredAs(489, "Bad Request", Map.of(NON_RETRYABLE, "true"));
        }
        Optional<String> dedupKey = kind == TriggerKind.QSTASH ? Optional.ofNullable(messageId).filter(m -> !m.isBlank())
                : Optional.empty();
        return triggers.trigger(cronTask, kind, dedupKey, request).map(this::respond);
    }

    private TriggerKind authenticate(String authorization, String signature, byte[] body, String task) {
        if (signature != null) {
            Optional<QStashVerifier.Verified> verified = qstash.verify(signature, body, task);
            if (verified.isPresent() && replays.firstUse(verified.get())) {
                return TriggerKind.QSTASH;
            }
        }
        if (BearerTokens.accepts(authorization, config.bearerTokens().orElse(List.of()))) {
            return TriggerKind.BEARER;
        }
        throw ProblemException.unauthorized();
    }

    /** The body, read in chunks and refused with 413 as soon as it passes the cap, so it never costs more than that. */
    private byte[] read(InputStream body) {
        long cap = config.maxBodySize().asLongValue();
        if (body == null) {
            return new byte[0];
        }
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            for (int n = body.read(chunk); n >= 0; n = body.read(chunk)) {
                if (raw.size() + n > cap) {
                    throw new ProblemException(ProblemType.PAYLOAD_TOO_LARGE,
                            "The request body exceeds " + cap + " bytes.");
                }
                raw.write(chunk, 0, n);
            }
        } catch (IOException e) {
            throw ProblemException.badRequest("The request body could not be read.");
        }
        return raw.toByteArray();
    }

    private ProblemException unknownTask(String task, TriggerKind kind) {
        String detail = "No task named '" + task + "'. Known tasks: " + String.join(", ", registry.names()) + ".";
        if (kind == TriggerKind.QSTASH) {
            // QStash retries anything but 489 + this header; an unknown task can never succeed.
            return new ProblemException(ProblemType.UNKNOWN_TASK, detail)
                    .answeredAs(489, "Unknown Task", Map.of(NON_RETRYABLE, "true"));
        }
        return new ProblemException(ProblemType.UNKNOWN_TASK, detail);
    }

    private RunRequest parse(byte[] raw) throws JsonProcessingException {
        if (raw.length == 0 || new String(raw, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return RunRequest.EVERYTHING;
        }
        RunRequest request;
        try {
            request = json.readValue(raw, RunRequest.class);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw ProblemException.badRequest("The request body could not be read.");
        }
        if (request == null) {
            return RunRequest.EVERYTHING;
        }
        Set<ConstraintViolation<RunRequest>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            throw new ConstraintViolationException(violations);
        }
        return request;
    }

    private RunSummary respond(TriggerService.Triggered triggered) {
        if (triggered instanceof TriggerService.Triggered.Ran ran) {
            return ran.summary();
        }
        TriggerService.Triggered.AlreadyRunning running = (TriggerService.Triggered.AlreadyRunning) triggered;
        throw new ProblemException(ProblemType.RUN_IN_PROGRESS,
                "Run " + running.runId() + " for this message is still in progress.",
                config.retryAfter());
    }

    private static boolean isJson(String contentType) {
        try {
            return contentType != null && MediaType.valueOf(contentType).isCompatible(MediaType.APPLICATION_JSON_TYPE);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private ProblemException unavailable() {
        return new ProblemException(ProblemType.DATABASE_UNAVAILABLE,
                "The database is unreachable; nothing was run. Try again.",
                config.retryAfter());
    }
}
