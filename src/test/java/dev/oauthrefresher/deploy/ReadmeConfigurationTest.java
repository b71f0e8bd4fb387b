package dev.oauthrefresher.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** README's configuration table is the operator's reference: every key the code declares must be in it. */
class ReadmeConfigurationTest {

    @Test
    void shouldDocumentEveryDeclaredApplicationKeyInTheReadme() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        List<String> keys = ConfigKeys.declared().properties().stream()
                .filter(k -> k.startsWith("refresher."))
                .map(k -> k.replace("[*]", ""))
                .toList();

        assertThat(keys).as("declared keys").hasSizeGreaterThan(40);
        // a map key is written as a placeholder that names what it is: <group>, <name>
        assertThat(keys.stream().filter(k -> !Pattern.compile("`" + Pattern.quote(k).replace("*", "\\E<[a-z]+>\\Q") + "`")
                        .matcher(readme).find()).toList())
                .as("keys missing from README's configuration table").isEmpty();
    }
}
