package dev.oauthrefresher.testsupport.process;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from Maven (zonky) on a fixed port and data directory, so that it can be stopped
 * and started again under a running service, as a database restart looks to its clients.
 */
public final class LocalPostgres implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    /** Every port {@link #freePort()} gave out, so it never gives one out twice. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private final Path dataDirectory;
    private final Path log;
    private final int port;
    private final Map<String, String> serverConfig;
    private EmbeddedPostgres server;

    private LocalPostgres(Path dataDirectory, Path log, Map<String, String> serverConfig) {
        this.dataDirectory = dataDirectory;
        this.log = log;
        this.port = freePort();
        this.serverConfig = serverConfig;
    }

    /** Initialises a new data directory under {@code workDirectory} and starts the server; its log goes beside it. */
    public static LocalPostgres start(Path workDirectory, Map<String, String> serverConfig) {
        LocalPostgres postgres = new LocalPostgres(workDirectory.resolve("pgdata"), workDirectory.resolve("postgres.log"),
                serverConfig);
        postgres.start();
        return postgres;
    }

    /** Starts the server on the existing data directory and the same port. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        try {
            Files.createDirectories(dataDirectory.getParent());
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
            serverConfig.forEach(builder::setServerConfig);
            server = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Shuts the server down (fast mode: open connections are cut), keeping its data. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            server = null;
        }
    }

    /** The postmaster's process id (first line of {@code postmaster.pid}), to read the server's CPU time. */
    public synchronized long pid() {
        try {
            return Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port + "/" + database;
    }

    /** Creates an empty database, so that each scenario gets its own schema from the service's migrations. */
    public String createDatabase(String name) {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create database " + name, e);
        }
        return jdbcUrl(name);
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), USER, PASSWORD);
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(dataDirectory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A port free now and never handed out before by this JVM: a process given it binds it only later, and the
     * kernel may offer a just-closed port again, so without the memory two processes of a test (each with an
     * application and a management port) could be given the same one.
     */
    static int freePort() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
