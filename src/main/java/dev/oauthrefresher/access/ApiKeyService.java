package dev.oauthrefresher.access;

import dev.oauthrefresher.audit.AuditLog;
import dev.oauthrefresher.access.ApiKeyDtos.ApiKeyList;
import dev.oauthrefresher.access.ApiKeyDtos.ApiKeyView;
import dev.oauthrefresher.access.ApiKeyDtos.CreateApiKey;
import dev.oauthrefresher.access.ApiKeyDtos.CreatedApiKey;
import dev.oauthrefresher.tenant.TenantService;
import dev.oauthrefresher.web.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Issues, lists and revokes tenant API keys (the operator's side) and authenticates them (the tenant API's). */
@ApplicationScoped
public class ApiKeyService {

    private final ApiKeyRepository keys;
    private final TenantService tenants;
    private final AuditLog audit;
    private final AccessConfig config;
    private final Event<KnownKeys.ApiKeyRevoked> revocations;
    private final Counter tokenReadKeysCreated;
    private final KnownKeys known;

    ApiKeyService(ApiKeyRepository keys, TenantService tenants, AuditLog audit, AccessConfig config,
            Event<KnownKeys.ApiKeyRevoked> revocations, MeterRegistry registry, KnownKeys known) {
        this.keys = keys;
        this.known = known;
        this.tenants = tenants;
        this.audit = audit;
        this.config = config;
        this.revocations = revocations;
        // registered now, so it is exported at zero before the first such key
        this.tokenReadKeysCreated = Counter.builder("refresher.access.token.read.keys.created")
                .description("Tenant API keys created with the tokens:read scope, which can read access tokens")
                .register(registry);
    }

    @Transactional
    public CreatedApiKey create(String tenantId, CreateApiKey request) {
        tenants.require(tenantId);
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        request.scopes().forEach(code -> scopes.add(Scope.fromCode(code).orElseThrow()));
        String key = ApiKeyMaterial.generate();
        ApiKey stored = new ApiKey(UUID.randomUUID(), tenantId, request.name(), scopes, ApiKeyMaterial.hash(key), Instant.now());
        keys.persist(stored);
        audit.record("api-key.create", tenantId, null,
                "key " + stored.id() + " scopes " + String.join(" ", ApiKeyDtos.codes(stored)));
        if (scopes.contains(Scope.TOKENS_READ)) {
            tokenReadKeysCreated.increment();
        }
        return new CreatedApiKey(stored.id(), stored.name(), ApiKeyDtos.codes(stored), key, stored.createdAt());
    }

    /** The operator's read of a tenant's keys, audited. */
    @Transactional
    public ApiKeyList list(String tenantId) {
        tenants.require(tenantId);
        audit.record("api-key.list", tenantId, null, null);
        return new ApiKeyList(keys.listByTenant(tenantId).stream().map(ApiKeyView::of).toList());
    }

    /**
     * Refused from the next request on, on this replica ({@link KnownKeys} forgets the key once this commits), and on
     * every other within {@code refresher.access.valid-key-cache-ttl}, the longest a replica accepts a key from memory.
     */
    @Transactional
    public void revoke(String tenantId, UUID keyId) {
        tenants.require(tenantId);
        ApiKey key = keys.findForTenant(tenantId, keyId).orElseThrow(() -> ProblemException.notFound(
                "API key " + keyId + " does not exist for tenant '" + tenantId + "'."));
        if (key.revokedAt() == null) {
            keys.revoke(keyId, Instant.now());
            audit.record("api-key.revoke", tenantId, null, "key " + keyId);
            revocations.fire(new KnownKeys.ApiKeyRevoked(key.keyHash()));
        }
    }

    /**
     * The unrevoked key a bearer value stands for. The row is found by the SHA-256 of the presented value: an
     * attacker cannot steer a hash's prefix, so the index lookup's timing tells nothing about a real key; the
     * hashes are compared once more in constant time all the same.
     */
    @Transactional
    public Optional<TenantKey> authenticate(String presented) {
        if (!ApiKeyMaterial.looksLikeKey(presented)) {
            return Optional.empty();
        }
        byte[] hash = ApiKeyMaterial.hash(presented);
        return keys.findUsable(hash)
                .filter(k -> MessageDigest.isEqual(k.keyHash(), hash))
                .map(k -> {
                    Instant now = Instant.now();
                    if (k.lastUsedAt() == null || k.lastUsedAt().isBefore(now.minus(config.lastUsedResolution()))) {
                        keys.touch(k.id(), now, now.minus(config.lastUsedResolution()));
                    }
                    return new TenantKey(k.id(), k.tenantId(), k.scopes());
                });
    }

    /**
     * Tells this replica that {@code key}, which it authenticated from memory, was found revoked by a query of its own
     * (the access-token read's): the key is forgotten, so its next request is looked up and refused on every endpoint.
     */
    public void forgetRevoked(TenantKey key) {
        known.forget(key.id());
    }
}
