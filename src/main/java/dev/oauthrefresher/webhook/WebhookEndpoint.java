package dev.oauthrefresher.webhook;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A tenant's receiver of status events. Its signing secret is in the token store under {@link #secretName()};
 * enabling, disabling, rotation and failure bookkeeping are guarded updates in {@link WebhookEndpointRepository}.
 */
@Entity
@Table(name = "webhook_endpoint")
public class WebhookEndpoint {

    @Id
    private UUID id;

    @Column(name = "tenant_id", nullable = false, updatable = false)
    private String tenantId;

    @Column(nullable = false, updatable = false)
    private String url;

    @Column(nullable = false, updatable = false)
    private String events;

    @Column(nullable = false)
    private boolean enabled;

    @Column(name = "disabled_reason")
    private String disabledReason;

    @Column(name = "secret_name", nullable = false, updatable = false)
    private String secretName;

    @Column(name = "secret_version", nullable = false)
    private int secretVersion;

    @Column(name = "failing_since")
    private Instant failingSince;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected WebhookEndpoint() {
    }

    public WebhookEndpoint(UUID id, String tenantId, String url, Collection<WebhookEventType> events, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.url = url;
        this.events = events.stream().map(WebhookEventType::code).distinct().collect(Collectors.joining(","));
        this.enabled = true;
        this.secretName = secretNameFor(id);
        this.secretVersion = 1;
        this.createdAt = now;
        this.updatedAt = now;
    }

    /** The token-store name of an endpoint's signing secret: letters, digits and dashes only, as Key Vault wants. */
    public static String secretNameFor(UUID id) {
        return "webhook-endpoint-" + id;
    }

    public UUID id() {
        return id;
    }

    public String tenantId() {
        return tenantId;
    }

    public String url() {
        return url;
    }

    public List<WebhookEventType> events() {
        return Arrays.stream(events.split(",")).map(code -> WebhookEventType.fromCode(code).orElseThrow()).toList();
    }

    public boolean enabled() {
        return enabled;
    }

    public String disabledReason() {
        return disabledReason;
    }

    public String secretName() {
        return secretName;
    }

    public int secretVersion() {
        return secretVersion;
    }

    public Instant failingSince() {
        return failingSince;
    }

    public Instant createdAt() {
        return createdAt;
    }
}
