package dev.oauthrefresher.testsupport;

import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.tokenstore.SecretRef;
import java.util.UUID;

/** Secret references in the {@code default} vault: the single-vault case, and all the memory store looks at. */
public final class TestSecrets {

    private TestSecrets() {
    }

    public static SecretRef of(UUID integrationId) {
        return named(Integration.secretNameFor(integrationId));
    }

    public static SecretRef named(String secretName) {
        return new SecretRef(SecretRef.DEFAULT_VAULT, secretName);
    }
}
