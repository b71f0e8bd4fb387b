package dev.oauthrefresher.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads claim statement times from a PostgreSQL log written with {@code log_min_duration_statement = 0}: the
 * service's own claim statement, timed by the server, with no copy of its SQL in the benchmark.
 */
final class ClaimLog {

    // "2026-11-23 22:10:00.123 UTC [4242] LOG:  duration: 3.456 ms  execute S_1: WITH due AS ("
    private static final Pattern DURATION = Pattern.compile(
            "\\[(\\d+)\\] LOG:  duration: ([0-9.]+) ms  (parse|bind|execute) [^:]*: (.*)");
    private static final String CLAIM_START = "WITH due AS";

    private ClaimLog() {
    }

    /**
     * Each claim's time (parse + bind + execute, in milliseconds) in the order they ran, from the log's
     * {@code offset} on. Sessions interleave in the log, so the phases are summed per backend process.
     */
    static List<Double> claimDurations(Path log, long offset) {
        List<Double> claims = new ArrayList<>();
        Map<String, Double> pendingByBackend = new HashMap<>();
        for (String line : linesFrom(log, offset)) {
            Matcher m = DURATION.matcher(line);
            if (!m.find() || !m.group(4).startsWith(CLAIM_START)) {
                continue;
            }
            String backend = m.group(1);
            double millis = Double.parseDouble(m.group(2)) + pendingByBackend.getOrDefault(backend, 0.0);
            if (m.group(3).equals("execute")) {
                claims.add(millis);
                pendingByBackend.remove(backend);
            } else {
                pendingByBackend.put(backend, millis);
            }
        }
        return claims;
    }

    private static List<String> linesFrom(Path log, long offset) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            file.seek(offset);
            byte[] bytes = new byte[(int) (file.length() - offset)];
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
