package dev.oauthrefresher.testsupport.process;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * The managed-identity token endpoint a service process finds through {@code IDENTITY_ENDPOINT} and
 * {@code IDENTITY_HEADER} (the App Service flavour of Azure managed identity): it lets the packaged service's
 * unmodified managed-identity credential ({@code TokenStoreProducer.azureCredential}) obtain a bearer token for
 * the Key Vault fake, which accepts any.
 */
final class FakeManagedIdentity implements AutoCloseable {

    static final String ACCESS_TOKEN = "bench-managed-identity-token";
    private static final String HEADER_VALUE = "bench-identity-header";

    private final HttpServer server;

    FakeManagedIdentity() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/msi/token", this::handle);
        server.start();
    }

    /** The environment a service process needs to use this endpoint. */
    Map<String, String> environment() {
        return Map.of("IDENTITY_ENDPOINT", "http://127.0.0.1:" + server.getAddress().getPort() + "/msi/token",
                "IDENTITY_HEADER", HEADER_VALUE);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!HEADER_VALUE.equals(exchange.getRequestHeaders().getFirst("X-IDENTITY-HEADER"))) {
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            String body = "{\"access_token\":\"" + ACCESS_TOKEN + "\",\"expires_on\":\""
                    + Instant.now().plusSeconds(3600).getEpochSecond()
                    + "\",\"resource\":\"https://vault.azure.net\",\"token_type\":\"Bearer\"}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
