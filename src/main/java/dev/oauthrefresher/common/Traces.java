package dev.oauthrefresher.common;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Spans around reactive steps that run many at a time on shared threads (a refresh, its store and provider calls, a
 * webhook delivery). Quarkus' {@code @WithSpan} on a {@code Uni} method ends the span when the Uni ends, but keeps it
 * current on the calling thread until then; interleaved calls on one thread would then parent each other. Here the
 * parent is named, the span lives from subscription to termination, and it is current only while the step is built.
 * A failure is marked by its class name only: an exception's message may quote a response body.
 */
@ApplicationScoped
public class Traces {

    // The only attributes the service sets: ids and kinds, never a token, key, secret or URL.
    public static final AttributeKey<String> TASK = AttributeKey.stringKey("refresher.task");
    public static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("refresher.run_id");
    public static final AttributeKey<String> TENANT_ID = AttributeKey.stringKey("refresher.tenant_id");
    public static final AttributeKey<String> INTEGRATION_ID = AttributeKey.stringKey("refresher.integration_id");
    public static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("refresher.provider");
    public static final AttributeKey<String> PROVIDER_GROUP = AttributeKey.stringKey("refresher.provider_group");
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("refresher.outcome");

    private final Tracer tracer;
    private final boolean disabled;

    /**
     * {@code disabled} is Quarkus' own switch, read here because with it set Quarkus still builds an SDK without
     * exporters whose spans are sampled and recorded ({@code isRecording()} is true): every span would cost its ids,
     * its attributes and a context switch on the Vert.x context for nothing (BENCHMARKS.md, "Won back: what the profile found").
     */
    Traces(Tracer tracer, @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean disabled) {
        this.tracer = tracer;
        this.disabled = disabled;
    }

    /**
     * {@code step} inside a span named {@code name} under {@code parent}; {@code step} gets the span's context. The
     * attributes are asked for only when a span is made: building them costs more than the rest while tracing is off.
     */
    public <T> Uni<T> span(String name, Context parent, Supplier<Attributes> attributes, Function<Context, Uni<T>> step) {
        if (disabled) {
            // built at once rather than deferred: every caller subscribes to what it builds right away, and an operator
            // less per step is measurable on a refresh's four steps
            try {
                return step.apply(parent);
            } catch (RuntimeException e) {
                return Uni.createFrom().failure(e);
            }
        }
        return Uni.createFrom().deferred(() -> {
            Span span = tracer.spanBuilder(name).setParent(parent).setAllAttributes(attributes.get()).startSpan();
            Context context = parent.with(span);
            Uni<T> running;
            try (Scope ignored = context.makeCurrent()) {
                running = step.apply(context);
            } catch (RuntimeException e) {
                end(span, e);
                throw e;
            }
            return running.onTermination().invoke((item, failure, cancelled) -> {
                if (cancelled) {
                    span.setAttribute("refresher.cancelled", true);
                }
                end(span, failure);
            });
        });
    }

    /** Adds {@code key} to the span of {@code context}, if it has one. */
    public static void tag(Context context, AttributeKey<String> key, String value) {
        Span.fromContext(context).setAttribute(key, value);
    }

    private static void end(Span span, Throwable failure) {
        if (failure != null) {
            span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
        }
        span.end();
    }
}
