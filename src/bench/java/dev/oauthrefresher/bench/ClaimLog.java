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
 * Reads the service's claim statement from a PostgreSQL log written with {@code log_min_duration_statement = 0}:
 * its times as the server measured them, and its text and parameters, so the benchmark can run exactly that
 * statement again without keeping a copy of its SQL.
 */
final class ClaimLog {

    // "2026-11-23 22:10:00.123 UTC [4242] LOG:  duration: 3.456 ms  execute S_1: WITH due AS ("
    private static final Pattern DURATION = Pattern.compile(
            "\\[(\\d+)\\] LOG:  duration: ([0-9.]+) ms  (parse|bind|execute) [^:]*: (.*)");
    private static final Pattern NEW_ENTRY = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
    private static final Pattern PARAMETER = Pattern.compile("\\$(\\d+) = ('(?:[^']|'')*'|NULL)");
    private static final String CLAIM_START = "WITH due AS";

    /** A statement as the server logged it: its text with {@code $n} placeholders and the literals bound to them. */
    record Statement(String sql, List<String> parameters) {
    }

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

    /** The first claim statement executed after {@code offset}, with its parameters. */
    static Statement firstClaim(Path log, long offset) {
        List<String> lines = linesFrom(log, offset);
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = DURATION.matcher(lines.get(i));
            if (!m.find() || !m.group(3).equals("execute") || !m.group(4).startsWith(CLAIM_START)) {
                continue;
            }
            StringBuilder sql = new StringBuilder(m.group(4));
            int next = i + 1;
            while (next < lines.size() && !NEW_ENTRY.matcher(lines.get(next)).find()) {
                sql.append('\n').append(lines.get(next++));
            }
            List<String> parameters = new ArrayList<>();
            if (next < lines.size() && lines.get(next).contains("DETAIL:  parameters: ")) {
                Matcher p = PARAMETER.matcher(lines.get(next));
                while (p.find()) {
                    parameters.add(p.group(2));
                }
            }
            return new Statement(sql.toString(), parameters);
        }
        throw new IllegalStateException("No claim statement in " + log + " after offset " + offset);
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
