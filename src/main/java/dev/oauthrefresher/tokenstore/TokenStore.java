package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.common.Secret;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.Optional;

/**
 * Where integrations' tokens live: one entry per integration, in the vault its row records ({@code integration.vault})
 * under {@code integration.secret_name}; and the webhook endpoints' signing secrets, one entry per endpoint, named by
 * {@code webhook_endpoint.secret_name}, all in one vault ({@link Vaults#webhookVault()}).
 * Implementations are non-blocking; failures surface as a failed {@link Uni} with a
 * {@link TokenStoreException} that carries no token.
 */
public interface TokenStore {

    /**
     * The stored tokens and the store's version of them, or empty if nothing is stored under the name. A vault this
     * replica does not know fails with {@link VaultNotConfiguredException} before anything is called.
     */
    Uni<Optional<Versioned>> load(SecretRef secret);

    /**
     * Stores {@code tokens} as the newest version under the name and returns that version's id. The
     * write is durable when the {@link Uni} completes.
     */
    Uni<String> save(SecretRef secret, TokenSet tokens);

    /**
     * {@link #save} by the holder of the integration's lease ({@link WriteLease}). A vault cannot check a lease: after the
     * caller's fence, its store sends nothing past {@link WriteLease#sendBy()}. Where the tokens are sealed in PostgreSQL
     * ({@link SecretRef#inDatabase()}) the write itself is fenced: it lands only while the owner still holds the row, so
     * a process paused between its fence and its write can never overwrite a reconnect. Fails with a
     * {@link TokenStoreException} (not transient) if the owner no longer holds the row, or the lease's time is up.
     */
    default Uni<String> save(SecretRef secret, TokenSet tokens, WriteLease lease) {
        return save(secret, tokens);
    }

    /**
     * {@link #save(SecretRef, TokenSet, WriteLease)} by a vault move bringing an integration's tokens back into a vault they
     * once left. A vault with purge protection keeps the secret it was asked to delete, soft-deleted, and refuses any
     * write of its name (409) until it is recovered: this recovers it, then writes. Only a move asks this: for every other
     * writer a deleted name means the integration was disconnected, and bringing its secret back is what the refusal
     * prevents. A store without soft deletion saves as usual.
     */
    default Uni<String> saveRecovering(SecretRef secret, TokenSet tokens, WriteLease lease) {
        return save(secret, tokens, lease);
    }

    /**
     * This store at another {@link VaultPriority}: the same entries, another share of each vault's budget and another
     * bound on the wait for a permit. The store as injected is {@link VaultPriority#ON_DEMAND}; a store without a
     * budget returns itself.
     */
    default TokenStore withPriority(VaultPriority priority) {
        return this;
    }

    /**
     * The longest one {@link #load} or {@link #save} can take, retries and waits for permits included, at any
     * priority; the refresh pipeline sizes its leases by it. Zero for a store that answers at once.
     */
    default Duration worstCase() {
        return Duration.ZERO;
    }

    /**
     * The longest one request of this store may take to be answered or given up; zero for a store that answers at once.
     * A write sent closer than this to its lease's send-by could land after the lease: the store keeps that far away.
     */
    default Duration requestTimeout() {
        return Duration.ZERO;
    }

    /**
     * How long a caller that waits for one operation (a registration, a reconnect, a webhook secret) waits: the
     * store's own worst case and a little more, so a caller never gives up on a write that can still land after it.
     */
    default Duration callerWait() {
        return worstCase().plusSeconds(5);
    }

    /**
     * Removes everything stored under the name, so the tokens can no longer be read from the store. Completes
     * normally when nothing was stored, so a repeated disconnect is harmless.
     */
    Uni<Void> delete(SecretRef secret);

    /** {@link #delete} by the holder of the integration's lease, fenced as {@link #save(SecretRef, TokenSet, WriteLease)} is. */
    default Uni<Void> delete(SecretRef secret, WriteLease lease) {
        return delete(secret);
    }

    /**
     * One page of the secrets this service wrote for integrations in {@code vault}: named as the store names them and
     * tagged as this service's ({@code managed-by=oauth-refresher}, {@code schema=token-set-1}); anything else the vault
     * holds (a secret written before the tags, another application's) is never listed, so nothing acting on the listing
     * can touch it. {@code pageToken} is the previous page's {@link SecretPage#next()}, empty for the first page. A store
     * that keeps nothing outside this process (mock mode) lists nothing: its entries end with the process.
     */
    default Uni<SecretPage> listTokenSecrets(String vault, Optional<String> pageToken) {
        return Uni.createFrom().item(SecretPage.EMPTY);
    }

    /** A webhook endpoint's signing secrets, or empty if nothing is stored under the name. */
    Uni<Optional<WebhookSecret>> loadWebhookSecret(String secretName);

    /** Stores a webhook endpoint's signing secrets, durable when the {@link Uni} completes. */
    Uni<Void> saveWebhookSecret(String secretName, WebhookSecret secret);

    /** Removes a webhook endpoint's signing secrets; nothing stored under the name is not a failure. */
    Uni<Void> deleteWebhookSecret(String secretName);

    /**
     * A secret of the service itself (not a tenant's), such as the key ring: its value from the vault named
     * {@code default}, or empty if there is none. Names start with {@code oauth-refresher-}. A store that keeps no
     * service secrets (the memory store) has none.
     */
    default Uni<Optional<Secret>> loadServiceSecret(String secretName) {
        return Uni.createFrom().item(Optional.empty());
    }

    /** A cheap round trip to every configured vault, for the readiness check. */
    Uni<Void> ping();

    /** Stored tokens with the store's id of that version. */
    record Versioned(TokenSet tokens, String version) {
    }
}
