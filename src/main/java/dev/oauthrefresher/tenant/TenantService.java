package dev.oauthrefresher.tenant;

import dev.oauthrefresher.audit.AuditLog;
import dev.oauthrefresher.audit.AuditTrail;
import dev.oauthrefresher.tenant.TenantDtos.CreateTenant;
import dev.oauthrefresher.tenant.TenantDtos.ProviderGroupList;
import dev.oauthrefresher.tenant.TenantDtos.TenantView;
import dev.oauthrefresher.tenant.TenantDtos.UpdateTenant;
import dev.oauthrefresher.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/** Creates, updates and pauses tenants. */
@ApplicationScoped
public class TenantService {

    private final TenantRepository tenants;
    private final AuditLog audit;
    private final AuditTrail trail;
    private final TenantProviderGroupRepository providerGroups;

    TenantService(TenantRepository tenants, AuditLog audit, AuditTrail trail, TenantProviderGroupRepository providerGroups) {
        this.tenants = tenants;
        this.audit = audit;
        this.trail = trail;
        this.providerGroups = providerGroups;
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

    /** The operator's read of one tenant, audited. */
    @Transactional
    public TenantView get(String id) {
        TenantView view = TenantView.of(require(id));
        audit.record("tenant.get", id, null, null);
        return view;
    }

    /**
     * A page of the tenant's audit trail, newest first; the read is audited too ({@code audit.read}), after the page
     * is read, so it shows on the next first page, never on this one.
     */
    @Transactional
    public AuditTrail.AuditPage auditTrail(String id, Optional<AuditTrail.Cursor> before, int limit) {
        require(id);
        AuditTrail.AuditPage page = trail.page(id, before, limit);
        audit.record("audit.read", id, null, null);
        return page;
    }

    /** Paused tenants' integrations are skipped by every run until resumed. */
    @Transactional
    public TenantView setPaused(String id, boolean paused) {
        Tenant tenant = require(id);
        tenant.pause(paused, Instant.now());
        audit.record(paused ? "tenant.pause" : "tenant.resume", id, null, null);
        return TenantView.of(tenant);
    }

    /** The operator's read of the tenant's provider-group allow-list (empty: every group), audited. */
    @Transactional
    public ProviderGroupList providerGroups(String id) {
        require(id);
        List<String> groups = providerGroups.list(id);
        audit.record("tenant.provider-groups.get", id, null, null);
        return new ProviderGroupList(groups);
    }

    /**
     * Replaces the tenant's provider-group allow-list (empty: every group), audited with the list before and after.
     * The tenant's row is locked meanwhile, so two changes at once apply one after the other. Integrations already
     * registered in a group the new list leaves out keep refreshing; only new registrations are refused.
     */
    @Transactional
    public ProviderGroupList setProviderGroups(String id, ProviderGroupList request) {
        tenants.findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE)
                .orElseThrow(() -> ProblemException.notFound("Tenant '" + id + "' does not exist."));
        List<String> before = providerGroups.list(id);
        List<String> after = List.copyOf(new TreeSet<>(request.providerGroups()));
        providerGroups.replace(id, after);
        audit.record("tenant.provider-groups.update", id, null, describe(before) + " -> " + describe(after));
        return new ProviderGroupList(after);
    }

    /**
     * Whether the tenant may register integrations in {@code group}: it has no allow-list, or the list names it. Says
     * nothing about whether the group is configured.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean mayUseProviderGroup(String id, String group) {
        return providerGroups.mayUse(id, group);
    }

    private static String describe(List<String> groups) {
        return groups.isEmpty() ? "all groups" : String.join(",", groups);
    }

    /** The tenant, or a 404 problem naming it. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Tenant require(String id) {
        return tenants.findByIdOptional(id)
                .orElseThrow(() -> ProblemException.notFound("Tenant '" + id + "' does not exist."));
    }
}
