package dev.oauthrefresher.tokenstore;

import java.util.Objects;

/**
 * Where one integration's tokens are: the vault its row records ({@code integration.vault}, a name from
 * {@code refresher.token-store.key-vault.vaults}) and the secret's name in it. Names only, nothing secret.
 */
public record SecretRef(String vault, String secretName) {

    /** The vault of rows that record none (written by a release that knew one vault) and of the single {@code url}. */
    public static final String DEFAULT_VAULT = "default";

    /** The name is checked by the store, which refuses (as a failed operation) any name it did not derive. */
    public SecretRef {
        Objects.requireNonNull(vault, "vault");
    }
}
