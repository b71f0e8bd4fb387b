package dev.oauthrefresher.testsupport;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;

/** A datasource pointing at a port nobody listens on; nothing touches the database at startup. */
public class NoDatabaseProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + closedPort() + "/none",
                "quarkus.datasource.username", "nobody",
                "quarkus.datasource.password", "nothing",
                "quarkus.datasource.jdbc.acquisition-timeout", "2s",
                "quarkus.flyway.migrate-at-start", "false",
                "quarkus.hibernate-orm.schema-management.strategy", "none");
    }

    static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
