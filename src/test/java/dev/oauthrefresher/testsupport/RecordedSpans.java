package dev.oauthrefresher.testsupport;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.List;

/**
 * The tests' span exporter (Quarkus exports to every {@link SpanExporter} bean, and then not over OTLP): it keeps
 * what the service exports only while a test records, so the rest of the suite leaves it empty.
 */
@Singleton
public class RecordedSpans implements SpanExporter {

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private volatile boolean recording;

    /** Forgets what was kept and keeps what is exported from now on. */
    public void start() {
        spans.reset();
        recording = true;
    }

    /** Stops keeping spans and forgets them. */
    public void stop() {
        recording = false;
        spans.reset();
    }

    /** The spans exported since {@link #start}. */
    public List<SpanData> finished() {
        return spans.getFinishedSpanItems();
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
        return recording ? spans.export(batch) : CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        recording = false;
        return CompletableResultCode.ofSuccess();
    }
}
