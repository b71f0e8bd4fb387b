package dev.oauthrefresher.revocation;

import dev.oauthrefresher.provider.ProviderGateway;
import dev.oauthrefresher.keyring.KeyRing;
import dev.oauthrefresher.tokenstore.TokenSet;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * What a disconnect asks of revocation: whether the grant's group revokes at all, queueing its current refresh token
 * (sealed) in the transaction that deletes the row, and waking the worker once that committed. The provider is called
 * only by {@link RevocationWorker}, never on the disconnect's own path.
 */
@ApplicationScoped
public class Revocations {

    private final RevocationRepository queue;
    private final KeyRing ring;
    private final ProviderGateway gateway;
    private final RevocationWorker worker;
    private final RevocationConfig config;

    Revocations(RevocationRepository queue, KeyRing ring, ProviderGateway gateway, RevocationWorker worker,
            RevocationConfig config) {
        this.queue = queue;
        this.ring = ring;
        this.gateway = gateway;
        this.worker = worker;
        this.config = config;
    }

    /** Whether a disconnect of an integration of {@code providerGroup} revokes its grant (enabled, and the group has an endpoint). */
    public boolean wanted(String providerGroup) {
        return config.enabled() && gateway.revokes(providerGroup);
    }

    /**
     * Queues the grant's current refresh token, in the caller's transaction: the one that deletes the integration row,
     * so the row's deletion and its revocation commit or roll back together, and before the delete (it cascades to
     * {@code pending_rotation}). A rotation still pending is the current token and is queued as it is sealed;
     * otherwise {@code stored}, the tokens read from the store before it deleted them, is sealed here. False if there
     * was nothing to revoke.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean enqueue(UUID integrationId, String tenantId, String providerGroup, boolean rotationPending,
            Optional<TokenSet> stored, Instant now) {
        if (rotationPending && queue.enqueuePendingRotation(integrationId, tenantId, providerGroup, now)) {
            return true;
        }
        return stored.map(tokens -> ring.seal(integrationId, tokens))
                .map(sealed -> queue.enqueue(integrationId, tenantId, providerGroup, sealed.value(), sealed.keyId(), now))
                .orElse(false);
    }

    /** A disconnect that queued a revocation committed: the worker sends it now instead of at its next poll. */
    public void committed() {
        worker.wake();
    }
}
