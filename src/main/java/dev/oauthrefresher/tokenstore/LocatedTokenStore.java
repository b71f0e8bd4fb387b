package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.common.Blocking;
import dev.oauthrefresher.common.Secret;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The token store the service uses: each integration's tokens where its row says they live. {@link SecretRef#DATABASE}
 * goes to the sealed layout ({@link SealedTokens}, PostgreSQL, on a worker thread, its reads grouped by
 * {@link SealedReads}); every other location to the vaults of {@code refresher.token-store.kind} (Key Vault, or the
 * memory store in mock mode), whose budget, priorities and retries apply to vault rows only. Webhook secrets and the service's own secrets always live in the vaults.
 */
public final class LocatedTokenStore implements TokenStore {

    /** The only secret names the sealed layout accepts: derived from an integration id, as the vaults' are. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "integration-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");

    private final TokenStore vaults;
    private final SealedTokens sealed;
    private final SealedReads sealedReads;
    /**
     * This store at each priority, built once: every refresh asks for its priority's view, and a new pair of stores per
     * refresh would be work on the hot path that never changes. Shared by every view, filled before the store is used.
     */
    private final Map<VaultPriority, LocatedTokenStore> views;

    public LocatedTokenStore(TokenStore vaults, SealedTokens sealed, Duration sealedReadLinger) {
        this.vaults = vaults;
        this.sealed = sealed;
        this.sealedReads = new SealedReads(sealed, sealedReadLinger);
        this.views = new EnumMap<>(VaultPriority.class);
        for (VaultPriority priority : VaultPriority.values()) {
            TokenStore other = vaults.withPriority(priority);
            views.put(priority, other == vaults ? this : new LocatedTokenStore(other, sealed, sealedReads, views));
        }
    }

    private LocatedTokenStore(TokenStore vaults, SealedTokens sealed, SealedReads sealedReads,
            Map<VaultPriority, LocatedTokenStore> views) {
        this.vaults = vaults;
        this.sealed = sealed;
        this.sealedReads = sealedReads;
        this.views = views;
    }

    /** The store of the vault locations, for what only it can tell (tests counting a memory store's secrets). */
    public TokenStore vaults() {
        return vaults;
    }

    @Override
    public Uni<Optional<Versioned>> load(SecretRef secret) {
        if (!secret.inDatabase()) {
            return vaults.load(secret);
        }
        return integrationId(secret).chain(sealedReads::load);
    }

    @Override
    public Uni<String> save(SecretRef secret, TokenSet tokens) {
        return secret.inDatabase() ? saveSealed(secret, tokens, Optional.empty()) : vaults.save(secret, tokens);
    }

    @Override
    public Uni<String> save(SecretRef secret, TokenSet tokens, WriteLease lease) {
        return secret.inDatabase() ? saveSealed(secret, tokens, Optional.of(lease.owner()))
                : vaults.save(secret, tokens, lease);
    }

    @Override
    public Uni<String> saveRecovering(SecretRef secret, TokenSet tokens, WriteLease lease) {
        return secret.inDatabase() ? saveSealed(secret, tokens, Optional.of(lease.owner()))
                : vaults.saveRecovering(secret, tokens, lease);
    }

    private Uni<String> saveSealed(SecretRef secret, TokenSet tokens, Optional<String> leaseOwner) {
        return integrationId(secret).chain(id -> Blocking.call(() -> sealed.save(id, tokens, leaseOwner)));
    }

    @Override
    public Uni<Void> delete(SecretRef secret) {
        return secret.inDatabase() ? deleteSealed(secret, Optional.empty()) : vaults.delete(secret);
    }

    @Override
    public Uni<Void> delete(SecretRef secret, WriteLease lease) {
        return secret.inDatabase() ? deleteSealed(secret, Optional.of(lease.owner())) : vaults.delete(secret, lease);
    }

    private Uni<Void> deleteSealed(SecretRef secret, Optional<String> leaseOwner) {
        return integrationId(secret).chain(id -> Blocking.run(() -> sealed.delete(id, leaseOwner)));
    }

    @Override
    public TokenStore withPriority(VaultPriority priority) {
        return views.get(priority);
    }

    /** The vaults' worst case: one statement of the sealed layout is bounded by the datasource's own timeouts. */
    @Override
    public Duration worstCase() {
        return vaults.worstCase();
    }

    @Override
    public Duration callerWait() {
        return vaults.callerWait();
    }

    @Override
    public Duration requestTimeout() {
        return vaults.requestTimeout();
    }

    /** The sealed layout has no secret to list: its rows cannot outlive their integration (a foreign key, cascading). */
    @Override
    public Uni<SecretPage> listTokenSecrets(String vault, Optional<String> pageToken) {
        return SecretRef.DATABASE.equals(vault) ? Uni.createFrom().item(SecretPage.EMPTY) : vaults.listTokenSecrets(vault, pageToken);
    }

    @Override
    public Uni<Optional<WebhookSecret>> loadWebhookSecret(String secretName) {
        return vaults.loadWebhookSecret(secretName);
    }

    @Override
    public Uni<Void> saveWebhookSecret(String secretName, WebhookSecret secret) {
        return vaults.saveWebhookSecret(secretName, secret);
    }

    @Override
    public Uni<Void> deleteWebhookSecret(String secretName) {
        return vaults.deleteWebhookSecret(secretName);
    }

    @Override
    public Uni<Optional<Secret>> loadServiceSecret(String secretName) {
        return vaults.loadServiceSecret(secretName);
    }

    /** The vaults' round trips; PostgreSQL has its own readiness check. */
    @Override
    public Uni<Void> ping() {
        return vaults.ping();
    }

    private static Uni<UUID> integrationId(SecretRef secret) {
        Matcher name = SECRET_NAME.matcher(secret.secretName());
        if (!name.matches()) {
            // a name this service did not derive: refused before anything is read or written
            return Uni.createFrom().failure(new TokenStoreException("Refusing to use a token secret name this service "
                    + "did not derive", false, null));
        }
        return Uni.createFrom().item(UUID.fromString(name.group(1)));
    }
}
