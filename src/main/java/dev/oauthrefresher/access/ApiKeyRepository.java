package dev.oauthrefresher.access;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Tenant API keys. Callers own the transaction. */
@ApplicationScoped
public class ApiKeyRepository implements PanacheRepositoryBase<ApiKey, UUID> {

    /** The unrevoked key with this hash (the unique index answers it). */
    public Optional<ApiKey> findUsable(byte[] keyHash) {
        return find("keyHash = ?1 and revokedAt is null", (Object) keyHash).firstResultOptional();
    }

    public List<ApiKey> listByTenant(String tenantId) {
        return find("tenantId = ?1 order by createdAt, id", tenantId).list();
    }

    public Optional<ApiKey> findForTenant(String tenantId, UUID id) {
        return find("tenantId = ?1 and id = ?2", tenantId, id).firstResultOptional();
    }

    /** Revokes at once; a second revocation keeps the first time. */
    public void revoke(UUID id, Instant now) {
        update("revokedAt = ?1 where id = ?2 and revokedAt is null", now, id);
    }

    /** Records a use unless one since {@code unlessUsedSince} is recorded, so a busy key does not cost a write per request. */
    public void touch(UUID id, Instant now, Instant unlessUsedSince) {
        update("lastUsedAt = ?1 where id = ?2 and (lastUsedAt is null or lastUsedAt < ?3)", now, id, unlessUsedSince);
    }
}
