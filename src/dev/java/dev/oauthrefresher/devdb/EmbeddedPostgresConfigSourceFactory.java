package dev.oauthrefresher.devdb;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Dev mode only: starts a real PostgreSQL from Maven (no Docker, no installed database) and points the
 * datasource at it. It acts only in the {@code dev} profile and only when no JDBC URL is configured; this
 * source tree is not compiled into production builds ({@code -Dprod}).
 */
public class EmbeddedPostgresConfigSourceFactory implements ConfigSourceFactory {

    // Live reload rebuilds the config in the same JVM: keep the port so it finds the running database.
    private static final String PORT_PROPERTY = "oauth-refresher.dev.embedded-postgres.port";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        boolean dev = context.getProfiles().contains("dev");
        ConfigValue url = context.getValue("quarkus.datasource.jdbc.url");
        if (!dev || (url != null && url.getValue() != null)) {
            return List.of();
        }
        int port = Integer.getInteger(PORT_PROPERTY, -1);
        if (port < 0) {
            port = start();
            System.setProperty(PORT_PROPERTY, Integer.toString(port));
        }
        return List.of(new PropertiesConfigSource(Map.of(
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://localhost:" + port + "/postgres",
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres"), "embedded-postgres-dev", 50));
    }

    private static int start() {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException e) {
                    // the JVM is exiting; the data directory is temporary either way
                }
            }, "embedded-postgres-stop"));
            return postgres.getPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL for dev mode", e);
        }
    }
}
