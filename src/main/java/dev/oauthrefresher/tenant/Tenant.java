package dev.oauthrefresher.tenant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;

/** A customer of the platform; owns integrations and can have its refreshes paused. */
@Entity
@Table(name = "tenant")
public class Tenant {

    @Id
    private String id;

    @Column(name = "display_name", nullable = false)
    private String displayName;

    @Column(name = "refresh_paused", nullable = false)
    private boolean refreshPaused;

    @Column(name = "max_concurrency")
    private Integer maxConcurrency;

    @Version
    private long version;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected Tenant() {
    }

    public Tenant(String id, String displayName, Integer maxConcurrency, Instant now) {
        this.id = id;
        this.displayName = displayName;
        this.maxConcurrency = maxConcurrency;
        this.createdAt = now;
        this.updatedAt = now;
    }

    void update(String displayName, Integer maxConcurrency, Instant now) {
        this.displayName = displayName;
        this.maxConcurrency = maxConcurrency;
        this.updatedAt = now;
    }

    void pause(boolean paused, Instant now) {
        this.refreshPaused = paused;
        this.updatedAt = now;
    }

    public String id() {
        return id;
    }

    public String displayName() {
        return displayName;
    }

    public boolean refreshPaused() {
        return refreshPaused;
    }

    public Integer maxConcurrency() {
        return maxConcurrency;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant updatedAt() {
        return updatedAt;
    }
}
