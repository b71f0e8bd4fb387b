package dev.oauthrefresher.tenant;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.stream.Collectors;

/** Tenants by id. */
@ApplicationScoped
public class TenantRepository implements PanacheRepositoryBase<Tenant, String> {

    /** Per-tenant concurrency caps of the tenants that set one, for the refresh pipeline. */
    public Map<String, Integer> concurrencyCaps() {
        return find("maxConcurrency is not null").<Tenant>stream()
                .collect(Collectors.toMap(Tenant::id, Tenant::maxConcurrency));
    }
}
