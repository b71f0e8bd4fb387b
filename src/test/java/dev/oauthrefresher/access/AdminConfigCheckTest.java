package dev.oauthrefresher.access;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.common.SecretConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Production admin tokens must be long and never the template's placeholder. Runs as prod (no Quarkus). */
class AdminConfigCheckTest {

    static AdminConfig config(String tokens) {
        return config(Map.of("refresher.admin.tokens", tokens));
    }

    static AdminConfig config(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withConverter(Secret.class, 100, new SecretConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .withMapping(AdminConfig.class)
                .build().getConfigMapping(AdminConfig.class);
    }

    static final String STRONG = "3f9a1c7e5b2d48a6c0e1f2a3b4c5d6e7";

    @Test
    void shouldRefuseANamedTokenShorterThan32BytesNamingItsKeyNotItsValue() {
        assertThatThrownBy(() -> new AdminConfigCheck().onStart(null,
                config(Map.of("refresher.admin.named-tokens.ops-alice", "a-short-named-token"))))
                .hasMessageContaining("refresher.admin.named-tokens.ops-alice").hasMessageContaining("32 bytes")
                .hasMessageNotContaining("a-short-named-token");
    }

    @Test
    void shouldRefuseANamedTokenHoldingThePlaceholder() {
        assertThatThrownBy(() -> new AdminConfigCheck().onStart(null,
                config(Map.of("refresher.admin.named-tokens.ops", "REPLACE_ME-and-enough-characters-to-be-long"))))
                .hasMessageContaining("refresher.admin.named-tokens.ops").hasMessageContaining("placeholder");
    }

    @Test
    void shouldRefuseANameThatIsNoSafeIdentifierOrLooksLikeAHashedName() {
        for (String name : List.of("Ops", "ops alice", "9ops", "ops:alice", "ops.alice", "deadbeef", "x".repeat(64))) {
            assertThatThrownBy(() -> new AdminConfigCheck().onStart(null,
                    config(Map.of("refresher.admin.named-tokens.\"" + name + "\"", STRONG))))
                    .as(name).hasMessageContaining("refresher.admin.named-tokens.").hasMessageContaining("name must be");
        }
    }

    @Test
    void shouldRefuseOneTokenUnderTwoNames() {
        assertThatThrownBy(() -> new AdminConfigCheck().onStart(null, config(Map.of("refresher.admin.tokens", STRONG,
                "refresher.admin.named-tokens.ops-alice", STRONG)))).hasMessageContaining("one name")
                .hasMessageNotContaining(STRONG);
    }

    @Test
    void shouldStartWithNamedTokensBesideThePlainList() {
        assertThatCode(() -> new AdminConfigCheck().onStart(null, config(Map.of("refresher.admin.tokens", STRONG,
                "refresher.admin.named-tokens.ops-alice", "7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1",
                "refresher.admin.named-tokens.ci_deploy2", "0a1b2c3d4e5f60718293a4b5c6d7e8f90"))))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseTheTemplatesPlaceholderEvenWhenLongEnough() throws Exception {
        String template = Files.readString(Path.of("k8s/base/secrets.template.env"));
        String placeholder = template.lines().filter(l -> l.startsWith("REFRESHER_ADMIN_TOKENS="))
                .findFirst().orElseThrow().substring("REFRESHER_ADMIN_TOKENS=".length());
        assertThatThrownBy(() -> new AdminConfigCheck().onStart(null, config(placeholder + "-and-some-more-characters")))
                .hasMessageContaining("refresher.admin.tokens").hasMessageContaining("placeholder");
    }

    @Test
    void shouldRefuseATokenShorterThan32BytesWithoutPrintingIt() {
        assertThatThrownBy(() -> new AdminConfigCheck().onStart(null, config("a-31-byte-admin-token-xxxxxxxxx")))
                .hasMessageContaining("refresher.admin.tokens").hasMessageContaining("32 bytes")
                .hasMessageNotContaining("a-31-byte-admin-token");
    }

    @Test
    void shouldStartWithLongRandomTokens() {
        assertThatCode(() -> new AdminConfigCheck().onStart(null,
                config("3f9a1c7e5b2d48a6c0e1f2a3b4c5d6e7,7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1")))
                .doesNotThrowAnyException();
    }
}
