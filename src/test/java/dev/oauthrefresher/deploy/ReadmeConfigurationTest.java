package dev.oauthrefresher.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The configuration reference (docs/CONFIGURATION.md, linked from README) is the operator's reference: its table
 * holds exactly the keys the {@code @ConfigMapping} interfaces declare, each with the default the code declares.
 */
class ReadmeConfigurationTest {

    static final Path REFERENCE = Path.of("docs", "CONFIGURATION.md");

    /** A table row: the key in backticks, then the default cell. A map key is a placeholder such as {@code <group>}. */
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `(refresher\\.[^`]+)` \\| ([^|]*?) \\|");
    private static final Pattern PLACEHOLDER = Pattern.compile("<[a-z]+>");
    /** A default cell that is one value in backticks, which claims the code has that default. */
    private static final Pattern LITERAL = Pattern.compile("^`[^`]+`$");

    private static ConfigKeys config;
    /** The table's rows in order: key as the code spells it ({@code *} for a map key), default cell; repeats kept. */
    private static List<Map.Entry<String, String>> rows;
    private static Set<String> declared;

    @BeforeAll
    static void readReferenceAndCode() throws IOException {
        config = ConfigKeys.declared();
        declared = new TreeSet<>();
        config.properties().stream().filter(k -> k.startsWith("refresher.")).forEach(k -> declared.add(k.replace("[*]", "")));
        rows = new ArrayList<>();
        Matcher row = ROW.matcher(Files.readString(REFERENCE));
        while (row.find()) {
            rows.add(Map.entry(PLACEHOLDER.matcher(row.group(1)).replaceAll("*"), row.group(2).trim()));
        }
    }

    @Test
    void shouldDocumentEveryDeclaredApplicationKeyInTheConfigurationTable() {
        assertThat(declared).as("declared keys").hasSizeGreaterThan(40);
        Set<String> documented = new TreeSet<>();
        rows.forEach(r -> documented.add(r.getKey()));
        assertThat(declared.stream().filter(k -> !documented.contains(k)).toList())
                .as("keys missing from the table of %s", REFERENCE).isEmpty();
    }

    @Test
    void shouldNameOnlyDeclaredKeysEachOnce() {
        List<String> keys = rows.stream().map(Map.Entry::getKey).toList();
        assertThat(keys.stream().filter(k -> !declared.contains(k)).toList())
                .as("keys in the table of %s that no @ConfigMapping declares", REFERENCE).isEmpty();
        assertThat(keys).as("keys of the table of %s", REFERENCE).doesNotHaveDuplicates();
    }

    @Test
    void shouldShowTheDefaultTheCodeDeclaresForEveryKey() {
        Map<String, String> wrong = new LinkedHashMap<>();
        for (Map.Entry<String, String> row : rows) {
            String cell = row.getValue();
            config.declaredDefault(declaredName(row.getKey())).ifPresentOrElse(
                    value -> {
                        if (!cell.equals("`" + value + "`")) {
                            wrong.put(row.getKey(), cell + " (the code declares `" + value + "`)");
                        }
                    },
                    () -> {
                        // no @WithDefault: "—", "none", or words for what applies instead, never a value of its own
                        if (LITERAL.matcher(cell).matches()) {
                            wrong.put(row.getKey(), cell + " (the code declares no default)");
                        }
                    });
        }
        assertThat(wrong).as("default cells of %s that differ from the code", REFERENCE).isEmpty();
    }

    /** The name {@link ConfigKeys} knows a table key by: a list key keeps its {@code [*]}. */
    private static String declaredName(String tableKey) {
        return config.properties().contains(tableKey) ? tableKey : tableKey + "[*]";
    }
}
