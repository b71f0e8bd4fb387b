package dev.oauthrefresher.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Records every log record of the JVM while installed (all threads, all loggers, at the levels the loggers let
 * through), rendered with its arguments and full stack traces, so a test can assert that no secret was logged.
 * Install it after Quarkus has started (a {@code @BeforeAll} of a {@code @QuarkusTest}): startup resets handlers.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    private final ConcurrentLinkedQueue<String> records = new ConcurrentLinkedQueue<>();

    private LogCapture() {
        setLevel(Level.ALL);
    }

    public static LogCapture install() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    /** Everything captured so far, one record a line (stack traces span lines). */
    public String text() {
        return String.join("\n", records);
    }

    /** Fails naming the first of {@code secrets} found anywhere in the captured records. */
    public void assertContainsNone(Iterable<String> secrets) {
        String captured = text();
        for (String secret : secrets) {
            assertThat(captured).as("captured logs").doesNotContain(secret);
        }
    }

    @Override
    public void publish(LogRecord record) {
        StringBuilder line = new StringBuilder()
                .append(record.getLevel()).append(" [").append(record.getLoggerName()).append("] ")
                .append(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage());
        // the raw arguments too, whatever the message's format style
        if (record.getParameters() != null) {
            line.append(" ").append(Arrays.deepToString(record.getParameters()));
        }
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append('\n').append(trace);
        }
        records.add(line.toString());
    }

    @Override
    public void flush() {
        // nothing buffered
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
