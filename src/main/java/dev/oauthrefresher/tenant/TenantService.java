package dev.oauthrefresher.tenant;

import dev.oauthrefresher.audit.AuditLog;
import dev.oauthrefresher.tenant.TenantDtos.CreateTenant;
import dev.oauthrefresher.tenant.TenantDtos.TenantView;
import dev.oauthrefresher.tenant.TenantDtos.UpdateTenant;
import dev.oauthrefresher.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;

/** Creates, updates and pauses tenants. */
@ApplicationScoped
public class TenantService {

    private final TenantRepository tenants;
    private final AuditLog audit;

    TenantService(TenantRepository tenants, AuditLog audit) {
        this.tenants = tenants;
        this.audit = audit;
    }

    @Transactional
    public TenantView create(CreateTenant request) {
        if (tenants.findByIdOptional(request.id()).isPresent()) {
            throw ProblemException.conflict("Tenant '" + request.id() + "' already exists.");
        }
        Tenant tenant = new Tenant(request.id(), request.displayName(), request.maxConcurrency(), Instant.now());
        tenants.persist(tenant);
        audit.record("tenant.create", tenant.id(), null, null);
        return TenantView.of(tenant);
    }

    @Transactional
    public TenantView update(String id, UpdateTenant request) {
        Tenant tenant = require(id);
        tenant.update(request.displayName(), request.maxConcurrency(), Instant.now());
        audit.record("tenant.update", id, null, null);
        return TenantView.of(tenant);
    }

    @Transactional
    public TenantView get(String id) {
        return TenantView.of(require(id));
    }

    /** Paused tenants' integrations are skipped by every run until resumed. */
    @Transactional
    public TenantView setPaused(String id, boolean paused) {
        Tenant tenant = require(id);
        tenant.pause(paused, Instant.now());
        audit.record(paused ? "tenant.pause" : "tenant.resume", id, null, null);
        return TenantView.of(tenant);
    }

    /** The tenant, or a 404 problem naming it. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Tenant require(String id) {
        return tenants.findByIdOptional(id)
                .orElseThrow(() -> ProblemException.notFound("Tenant '" + id + "' does not exist."));
    }
}
