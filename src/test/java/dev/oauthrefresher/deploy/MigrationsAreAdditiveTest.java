package dev.oauthrefresher.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * During a rolling update the previous release's pods run against the new schema (docs/UPGRADING.md), so every
 * migration after the first only adds: no table or column dropped or renamed, no column's type changed, no NOT NULL
 * imposed on a column old pods may still leave empty. A contraction belongs in a later release, once no pod needs
 * what it removes, and then says so here by name; so does a reviewed exception that no pod can notice.
 */
class MigrationsAreAdditiveTest {

    private static final Path MIGRATIONS = Path.of("src/main/resources/db/migration");
    private static final Pattern BLOCK_COMMENT = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);
    private static final Pattern LINE_COMMENT = Pattern.compile("--[^\\n]*");
    private static final List<Pattern> CONTRACTIONS = List.of(
            Pattern.compile("\\bDROP\\s+(TABLE|COLUMN|SCHEMA|TYPE|VIEW)\\b"),
            Pattern.compile("\\bRENAME\\b"),
            Pattern.compile("\\bTRUNCATE\\b"),
            Pattern.compile("\\bALTER\\s+COLUMN\\s+\\S+\\s+(SET\\s+DATA\\s+)?TYPE\\b"),
            Pattern.compile("\\bALTER\\s+COLUMN\\s+\\S+\\s+SET\\s+NOT\\s+NULL\\b"));
    /**
     * Statements that match a contraction but break no pod, each reviewed, with its reason (docs/UPGRADING.md, "A
     * table becomes partitioned"). File name → the statement's text as the test reads it (upper case, one space).
     */
    private static final Map<String, String> REVIEWED = Map.of(
            // audit_event becomes partitioned: the old table is renamed and attached as the partition of everything
            // before the cutover, and the name audit_event resolves to the new parent with the same columns, defaults
            // and index, so every release's statements on audit_event keep their meaning (AuditPartitionUpgradeTest)
            "V14__retention.sql", "ALTER TABLE AUDIT_EVENT RENAME TO AUDIT_EVENT_LEGACY");
    private static final Pattern ADD_COLUMN = Pattern.compile("\\bADD\\s+COLUMN\\b(?<definition>[^,]*)");

    @Test
    void shouldOnlyAddToTheSchemaAfterTheFirstMigration() throws IOException {
        List<Path> files;
        try (Stream<Path> listed = Files.list(MIGRATIONS)) {
            files = listed.filter(f -> f.getFileName().toString().matches("V\\d+(_\\d+)?__.+\\.sql")).sorted().toList();
        }
        assertThat(files).as("migrations found").hasSizeGreaterThan(5);
        List<String> contractions = new ArrayList<>();
        for (Path file : files) {
            if (file.getFileName().toString().startsWith("V1__")) {
                continue;
            }
            String sql = LINE_COMMENT.matcher(BLOCK_COMMENT.matcher(Files.readString(file)).replaceAll(" ")).replaceAll(" ")
                    .toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
            for (String statement : sql.split(";")) {
                String reviewed = REVIEWED.get(file.getFileName().toString());
                if (reviewed != null && statement.strip().endsWith(reviewed)) {
                    continue;
                }
                CONTRACTIONS.stream().filter(p -> p.matcher(statement).find())
                        .forEach(p -> contractions.add(file.getFileName() + ": " + statement.strip()));
                var added = ADD_COLUMN.matcher(statement);
                while (added.find()) {
                    String definition = added.group("definition");
                    if (definition.contains("NOT NULL") && !definition.contains("DEFAULT")) {
                        contractions.add(file.getFileName() + ": NOT NULL column without a default: " + definition.strip());
                    }
                }
            }
        }
        assertThat(contractions).as("statements a previous release's pod could break on").isEmpty();
    }
}
