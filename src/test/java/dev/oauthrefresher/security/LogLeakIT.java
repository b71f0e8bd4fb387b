package dev.oauthrefresher.security;

import static org.assertj.core.api.Assertions.assertThat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs after the unit and Quarkus tests (failsafe, {@code verify}) and reads everything they logged: no token,
 * client secret, admin token, signing or sealing key used anywhere in the suite may appear in it.
 */
class LogLeakIT {

    /** Shapes of every secret the test suite hands to the service. */
    static final List<Pattern> SECRETS = List.of(
            Pattern.compile("\\brt-[a-z0-9-]+-[0-9a-f]{8}-[0-9a-f]{4}-"),      // fake provider refresh tokens
            Pattern.compile("\\bat-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"),     // fake provider access tokens
            Pattern.compile("\\bat-initial-"),                                 // seeded access tokens
            Pattern.compile("test-client-secret-value"),                    // provider group client secret
            Pattern.compile("secret-value-1"),                              // registered tokens (admin API test)
            Pattern.compile("test-admin-token"),                            // admin bearer tokens
            Pattern.compile("test-cron-token"),                             // cron bearer tokens
            Pattern.compile("sig_[A-Za-z0-9]{20,}"),                        // QStash signing keys
            Pattern.compile("whsec_[A-Za-z0-9+/]{20,}"),                   // webhook signing secrets
            Pattern.compile("\\bsbx-(rt|at)-[0-9a-f]{8}-"),                 // dev sandbox provider tokens
            Pattern.compile("sandbox-client-secret"),                       // dev sandbox client secret
            // sealing keys: the tests' ring and legacy key (application.properties), the Key Vault fakes' ring, KeyRingTest's
            Pattern.compile(Pattern.quote("+yNyNUeyHRjzN7hHdBCm9UmQmlYs3RvojMNI/7jUq3A=")),
            Pattern.compile(Pattern.quote("D3PxAVzWGkcTn7V9Klh5gRBXqq2lvop2EXKWUKAeZjY=")),
            Pattern.compile(Pattern.quote("dyYUFOa+1Y/m5xfc0rVFS9EUnvRrK26y3DgdnaXvEwg=")),
            Pattern.compile(Pattern.quote("mUe0x3xQm7s0cX4Jp8Zq2W5r9Tt1yB6nH3kD0aF7gL4=")),
            Pattern.compile(Pattern.quote("q0ouqWTlFtHSuLHSbmfRo6G08T5Os2MNcBXI1zK1KfE=")),
            Pattern.compile(Pattern.quote("T0m5j5qX2pF1VvqXk8Yt0s9bVZ3m5xq7l0M8aY2c4Ww=")),
            Pattern.compile(Pattern.quote("8n3cKz0cG7Hq6B2m0X1s2k5yJc9bVtQeHq4qz6m7r5c=")));

    @Test
    void shouldFindNoSecretInAnythingTheTestSuiteLogged() throws IOException {
        Path reports = Path.of("target", "surefire-reports");
        assertThat(reports).as("surefire output to scan").isDirectory();
        List<Path> outputs;
        try (Stream<Path> files = Files.list(reports)) {
            outputs = files.filter(p -> p.getFileName().toString().endsWith("-output.txt")).toList();
        }
        assertThat(outputs).as("captured test output files").isNotEmpty();

        List<String> leaks = new ArrayList<>();
        long scanned = 0;
        for (Path output : outputs) {
            String text = Files.readString(output, StandardCharsets.UTF_8);
            scanned += text.length();
            for (Pattern secret : SECRETS) {
                Matcher m = secret.matcher(text);
                if (m.find()) {
                    int from = Math.max(0, m.start() - 120);
                    leaks.add(output.getFileName() + ": " + text.substring(from, Math.min(text.length(), m.end() + 40)));
                }
            }
        }
        assertThat(scanned).as("characters of log scanned").isGreaterThan(1000);
        assertThat(leaks).as("secrets in test logs").isEmpty();
    }
}
