package dev.oauthrefresher.tokenstore;

import java.util.Objects;

/**
 * Where one integration's tokens are: the location its row records ({@code integration.vault}: a name from
 * {@code refresher.token-store.key-vault.vaults}, or {@link #DATABASE}) and the secret's name there. Names only,
 * nothing secret.
 */
public record SecretRef(String vault, String secretName) {

    /** The vault of rows that record none (written by a release that knew one vault) and of the single {@code url}. */
    public static final String DEFAULT_VAULT = "default";

    /**
     * The sealed layout's location: the tokens sealed by the key ring in PostgreSQL ({@code integration_token}), not in
     * a vault. A name no vault may take, so a row's location is never ambiguous.
     */
    public static final String DATABASE = "database";

    /** The name is checked by the store, which refuses (as a failed operation) any name it did not derive. */
    public SecretRef {
        Objects.requireNonNull(vault, "vault");
    }

    /** Whether the tokens are sealed in PostgreSQL: no vault transaction, budget or backlog applies to them. */
    public boolean inDatabase() {
        return DATABASE.equals(vault);
    }

    /** The same secret name at another location: where a vault move copies it. */
    public SecretRef at(String location) {
        return new SecretRef(location, secretName);
    }
}
