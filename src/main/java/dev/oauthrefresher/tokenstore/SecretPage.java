package dev.oauthrefresher.tokenstore;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One page of the integration-token secrets a vault holds ({@link TokenStore#listTokenSecrets}): names and when each was
 * last written, never a value. {@code next} continues the listing (Key Vault's {@code nextLink}); empty on the last page.
 */
public record SecretPage(List<Listed> secrets, Optional<String> next) {

    /** The page of a store that lists nothing. */
    public static final SecretPage EMPTY = new SecretPage(List.of(), Optional.empty());

    public SecretPage {
        secrets = List.copyOf(secrets);
    }

    /** A secret this service wrote for an integration, and when its current version was written (the vault's clock). */
    public record Listed(String name, Instant updated) {
    }
}
