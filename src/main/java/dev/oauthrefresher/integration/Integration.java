package dev.oauthrefresher.integration;

import dev.oauthrefresher.provider.Provider;
import dev.oauthrefresher.tokenstore.SecretRef;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/**
 * One tenant's connection to one provider account. Holds refresh bookkeeping only: the tokens are in the
 * token store, in {@link #vault()} under {@link #secretName()} ({@link #secretRef()}). Status and lease columns change only through the guarded
 * updates of {@link IntegrationRepository}, never by dirty-checking this entity.
 */
@Entity
@Table(name = "integration")
public class Integration {

    @Id
    private UUID id;

    @Column(name = "tenant_id", nullable = false, updatable = false)
    private String tenantId;

    @Convert(converter = CodeConverters.ProviderConverter.class)
    @Column(nullable = false, updatable = false)
    private Provider provider;

    @Column(name = "provider_group", nullable = false)
    private String providerGroup;

    @Column(name = "external_account", nullable = false, updatable = false)
    private String externalAccount;

    @Convert(converter = CodeConverters.StatusConverter.class)
    @Column(nullable = false)
    private IntegrationStatus status;

    @Column(name = "access_token_expires_at", nullable = false)
    private Instant accessTokenExpiresAt;

    @Column(name = "last_refreshed_at", nullable = false)
    private Instant lastRefreshedAt;

    @Column(name = "last_attempt_at")
    private Instant lastAttemptAt;

    @Column(name = "next_attempt_at")
    private Instant nextAttemptAt;

    @Column(name = "consecutive_failures", nullable = false)
    private int consecutiveFailures;

    @Column(name = "first_failure_at")
    private Instant firstFailureAt;

    @Column(name = "last_error_code")
    private String lastErrorCode;

    @Column(name = "last_error_message")
    private String lastErrorMessage;

    @Column(name = "secret_name", nullable = false, updatable = false)
    private String secretName;

    /** Recorded at insert, changed only by a vault move (native SQL); NULL on rows of the one-vault release. */
    @Column(name = "vault", updatable = false)
    private String vault;

    @Column(name = "lease_owner")
    private String leaseOwner;

    @Column(name = "lease_expires_at")
    private Instant leaseExpiresAt;

    @Version
    private long version;

    /**
     * The access token sealed by the key ring beside the row ({@link AccessTokenSeal}); NULL until this release writes
     * one. Written only by native SQL in the statement that records a new access token, never by the entity.
     */
    @Column(name = "access_token_sealed", insertable = false, updatable = false)
    private byte[] accessTokenSealed;

    /** Grows with every status change (never with a refresh that leaves the status alone): the webhook's order key. */
    @Column(name = "status_version", nullable = false)
    private long statusVersion;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected Integration() {
    }

    /** A new registration's row, leased to its registrant until its tokens are stored. */
    public Integration(UUID id, String tenantId, Provider provider, String providerGroup, String externalAccount,
            Instant accessTokenExpiresAt, String secretName, String vault, String leaseOwner, Instant leaseExpiresAt,
            Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.provider = provider;
        this.providerGroup = providerGroup;
        this.externalAccount = externalAccount;
        this.status = IntegrationStatus.ACTIVE;
        this.accessTokenExpiresAt = accessTokenExpiresAt;
        this.lastRefreshedAt = now;
        this.secretName = secretName;
        this.vault = vault;
        this.leaseOwner = leaseOwner;
        this.leaseExpiresAt = leaseExpiresAt;
        this.createdAt = now;
        this.updatedAt = now;
    }

    /** The Key Vault secret name for an integration id: only letters, digits and dashes are allowed there. */
    public static String secretNameFor(UUID id) {
        return "integration-" + id;
    }

    public UUID id() {
        return id;
    }

    public String tenantId() {
        return tenantId;
    }

    public Provider provider() {
        return provider;
    }

    public String providerGroup() {
        return providerGroup;
    }

    public String externalAccount() {
        return externalAccount;
    }

    public IntegrationStatus status() {
        return status;
    }

    public Instant accessTokenExpiresAt() {
        return accessTokenExpiresAt;
    }

    public Instant lastRefreshedAt() {
        return lastRefreshedAt;
    }

    /** The sealed access token, if this release wrote one; {@link AccessTokenSeal#open} decides whether it holds. */
    public java.util.Optional<byte[]> accessTokenSealed() {
        return java.util.Optional.ofNullable(accessTokenSealed);
    }

    public Instant lastAttemptAt() {
        return lastAttemptAt;
    }

    public Instant nextAttemptAt() {
        return nextAttemptAt;
    }

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    public Instant firstFailureAt() {
        return firstFailureAt;
    }

    public String lastErrorCode() {
        return lastErrorCode;
    }

    public String lastErrorMessage() {
        return lastErrorMessage;
    }

    public String secretName() {
        return secretName;
    }

    /** The vault holding the tokens; {@code default} for a row that records none. */
    public String vault() {
        return vault == null ? SecretRef.DEFAULT_VAULT : vault;
    }

    /** Where the tokens are: every token-store call for this integration goes there. */
    public SecretRef secretRef() {
        return new SecretRef(vault(), secretName);
    }

    public String leaseOwner() {
        return leaseOwner;
    }

    public Instant leaseExpiresAt() {
        return leaseExpiresAt;
    }

    /** Bumped by every guarded update: a token read at one version is stale at the next. */
    public long version() {
        return version;
    }

    public long statusVersion() {
        return statusVersion;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant updatedAt() {
        return updatedAt;
    }
}
