package dev.oauthrefresher.testsupport.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}) running as a real child process with its
 * settings as {@code -D} properties, its output in a log file, and its CPU time and memory read from
 * {@code /proc}.
 */
public final class ServiceProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(120);

    private final String name;
    private final Process process;
    private final int port;
    private final int managementPort;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private ServiceProcess(String name, Process process, int port, int managementPort, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.managementPort = managementPort;
        this.log = log;
    }

    /** Launches the service without waiting for it; call {@link #awaitReady()} before using it. */
    public static ServiceProcess launch(String name, Map<String, String> properties, Map<String, String> environment,
            List<String> jvmOptions, Path logDirectory) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: package the service first (./mvnw package -DskipTests)");
        }
        int port = LocalPostgres.freePort();
        int managementPort = LocalPostgres.freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dquarkus.management.port=" + managementPort);
        command.add("-jar");
        command.add(JAR.toAbsolutePath().toString());
        try {
            Files.createDirectories(logDirectory);
            Path log = logDirectory.resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            Process process = builder
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new ServiceProcess(name, process, port, managementPort, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until readiness (database and token store) reports UP; fails with the log's tail if the process dies. */
    public ServiceProcess awaitReady() {
        long deadline = System.nanoTime() + STARTUP_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " during startup:\n" + logTail());
            }
            if (ready()) {
                return this;
            }
            pause(Duration.ofMillis(200));
        }
        throw new IllegalStateException(name + " was not ready within " + STARTUP_LIMIT + ":\n" + logTail());
    }

    private boolean ready() {
        try {
            HttpRequest request = HttpRequest.newBuilder(managementUri("/q/health/ready")).timeout(Duration.ofSeconds(2)).GET().build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String name() {
        return name;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** A URL on the management interface: health, metrics, OpenAPI. */
    public URI managementUri(String path) {
        return URI.create("http://127.0.0.1:" + managementPort + path);
    }

    public long pid() {
        return process.pid();
    }

    /** The whole output so far. */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** CPU seconds so far and peak resident memory. */
    public ProcStat usage() {
        return ProcStat.of(process.pid());
    }

    /** Restarts the peak-RSS counter, so that the next {@link #usage()} reports the peak of what followed. */
    public void resetPeakRss() {
        ProcStat.resetPeakRss(process.pid());
    }

    /** {@code kill -9}: no shutdown hook, no graceful end of anything in flight. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(30));
    }

    /** SIGTERM, then waits for the process to exit on its own (a graceful shutdown); how long that took. */
    public Duration terminate(Duration limit) {
        long started = System.nanoTime();
        process.destroy();
        if (!waitFor(limit)) {
            throw new IllegalStateException(name + " still running " + limit + " after SIGTERM:\n" + logTail());
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** The last lines of the process's output, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** {@code SIGSTOP}: the process is frozen as a whole (a paused VM, a stalled node) until {@link #thaw()}. */
    public void freeze() {
        signal("STOP");
    }

    /** {@code SIGCONT}: a frozen process runs on, its timers firing late. */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A graceful stop (SIGTERM), then a forced one if the process lingers. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        // a frozen process would never act on SIGTERM
        signal("CONT");
        process.destroy();
        if (!waitFor(Duration.ofSeconds(30))) {
            kill();
        }
    }

    private boolean waitFor(Duration limit) {
        try {
            return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Sleeps for {@code d}; an interrupt ends the wait with an exception, the flag kept. */
    public static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
