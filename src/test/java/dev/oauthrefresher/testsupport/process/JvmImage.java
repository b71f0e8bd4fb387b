package dev.oauthrefresher.testsupport.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM image's runtime settings as {@code Dockerfile.jvm} ships them ({@code ENV} lines), so the benchmark and
 * the multi-process tests run the service with exactly the flags a pod runs it with: one source of truth.
 */
final class JvmImage {

    static final Path DOCKERFILE = Path.of("Dockerfile.jvm");
    private static final Pattern ENV = Pattern.compile("^ENV\\s+([A-Z_][A-Z0-9_]*)=(\"[^\"]*\"|\\S+)\\s*$");

    private JvmImage() {
    }

    /** {@code JAVA_OPTS}, which run-java.sh passes to {@code java} instead of its own generated options. */
    static List<String> javaOptions() {
        String options = environment(DOCKERFILE).get("JAVA_OPTS");
        if (options == null || options.isBlank()) {
            throw new IllegalStateException(DOCKERFILE + " sets no JAVA_OPTS");
        }
        return List.of(options.trim().split("\\s+"));
    }

    /** One variable of the runtime stage's environment, which must be set. */
    static String variable(String name) {
        String value = environment(DOCKERFILE).get(name);
        if (value == null) {
            throw new IllegalStateException(DOCKERFILE + " sets no " + name);
        }
        return value;
    }

    /** Every {@code ENV NAME=value} line (one variable a line), the last one of a name winning, quotes removed. */
    static Map<String, String> environment(Path dockerfile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(dockerfile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("run from the repository root: " + dockerfile + " is not readable", e);
        }
        Map<String, String> environment = new LinkedHashMap<>();
        for (String line : lines) {
            Matcher env = ENV.matcher(line.trim());
            if (env.matches()) {
                String value = env.group(2);
                environment.put(env.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
            }
        }
        return environment;
    }
}
