package dev.oauthrefresher.tokenstore;

/**
 * A row names a vault this replica does not have in {@code refresher.token-store.key-vault.vaults} (an operator
 * removed it, or this replica's configuration lags another's). Nothing was called; the tokens are where they were.
 */
public class VaultNotConfiguredException extends TokenStoreException {

    private final String vault;

    public VaultNotConfiguredException(String vault) {
        super("Vault '" + vault + "' is not configured on this replica (refresher.token-store.key-vault.vaults); "
                + "its secrets are left untouched.", false, null);
        this.vault = vault;
    }

    public String vault() {
        return vault;
    }
}
