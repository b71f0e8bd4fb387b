package dev.oauthrefresher.access;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** A tenant API key as stored: its hash, never the key. Revocation and last use change by guarded updates only. */
@Entity
@Table(name = "api_key")
public class ApiKey {

    @Id
    private UUID id;

    @Column(name = "tenant_id", nullable = false, updatable = false)
    private String tenantId;

    @Column(nullable = false, updatable = false)
    private String name;

    @Column(nullable = false, updatable = false)
    private String scopes;

    @Column(name = "key_hash", nullable = false, updatable = false)
    private byte[] keyHash;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    @Column(name = "last_used_at")
    private Instant lastUsedAt;

    @Column(name = "revoked_at")
    private Instant revokedAt;

    protected ApiKey() {
    }

    ApiKey(UUID id, String tenantId, String name, Set<Scope> scopes, byte[] keyHash, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.name = name;
        this.scopes = scopes.stream().map(Scope::code).sorted().collect(Collectors.joining(" "));
        this.keyHash = keyHash.clone();
        this.createdAt = now;
    }

    public UUID id() {
        return id;
    }

    public String tenantId() {
        return tenantId;
    }

    public String name() {
        return name;
    }

    public Set<Scope> scopes() {
        Set<Scope> parsed = EnumSet.noneOf(Scope.class);
        Arrays.stream(scopes.split(" ")).map(Scope::fromCode).forEach(s -> s.ifPresent(parsed::add));
        return parsed;
    }

    byte[] keyHash() {
        return keyHash.clone();
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant lastUsedAt() {
        return lastUsedAt;
    }

    public Instant revokedAt() {
        return revokedAt;
    }
}
