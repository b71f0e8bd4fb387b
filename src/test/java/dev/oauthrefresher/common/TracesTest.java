package dev.oauthrefresher.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The switch {@link Traces} reads: with Quarkus' SDK off it makes no span at all (Quarkus' SDK would record one and
 * export it nowhere), and the step still runs with the parent it was given; with it on, the span is the step's parent.
 */
class TracesTest {

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exported)).build();

    @AfterEach
    void close() {
        provider.close();
    }

    @Test
    void shouldMakeNoSpanWhileTheSdkIsOffAndHandTheStepItsParent() {
        Traces traces = new Traces(provider.get("test"), true);
        Context parent = Context.root().with(Span.wrap(io.opentelemetry.api.trace.SpanContext.getInvalid()));
        AtomicReference<Context> seen = new AtomicReference<>();

        String result = traces.span("refresh.attempt", parent, Attributes::empty, context -> {
            seen.set(context);
            return Uni.createFrom().item("done");
        }).await().atMost(Duration.ofSeconds(5));

        assertThat(result).isEqualTo("done");
        assertThat(seen.get()).isSameAs(parent);
        assertThat(exported.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void shouldMakeTheSpanTheStepsParentWhileTheSdkIsOn() {
        Traces traces = new Traces(provider.get("test"), false);
        AtomicReference<Context> seen = new AtomicReference<>();

        traces.span("refresh.attempt", Context.root(), Attributes::empty, context -> {
            seen.set(context);
            return Uni.createFrom().item("done");
        }).await().atMost(Duration.ofSeconds(5));

        assertThat(exported.getFinishedSpanItems()).singleElement()
                .satisfies(span -> assertThat(span.getName()).isEqualTo("refresh.attempt"))
                .satisfies(span -> assertThat(span.getSpanId()).isEqualTo(Span.fromContext(seen.get()).getSpanContext().getSpanId()));
    }
}
