package dev.oauthrefresher.access;

import dev.oauthrefresher.common.KeyedRateLimits;
import dev.oauthrefresher.common.RetryAfter;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Each tenant's budget of blocking {@code /v1} operations on this replica ({@code tenant-operations-per-second}, all
 * its keys together), spent by every call of a {@link TenantOperation} method, whatever its outcome: one tenant's loop
 * of registrations or reconnects cannot take every worker and the vault's on-demand share from the others. A filter,
 * so resources stay thin; it reads the caller's identity without blocking (authentication is lazy here), and a caller
 * without a tenant key is left to the security check's 401.
 */
@ApplicationScoped
public class TenantOperationBudget {

    private final KeyedRateLimits<String> budgets;
    private final int perSecond;
    private final CurrentIdentityAssociation identities;

    TenantOperationBudget(AccessConfig config, CurrentIdentityAssociation identities) {
        this.perSecond = config.tenantOperationsPerSecond();
        this.budgets = KeyedRateLimits.perSecond(perSecond);
        this.identities = identities;
    }

    @ServerRequestFilter
    @TenantOperation
    Uni<Void> spend() {
        return identities.getDeferredIdentity().invoke(identity -> {
            if (identity.getAttribute(TenantKey.TENANT_ATTRIBUTE) instanceof String tenantId) {
                Optional<Duration> wait = budgets.tryAcquire(tenantId);
                if (wait.isPresent()) {
                    throw spent(wait.get());
                }
            }
        }).replaceWithVoid();
    }

    private ProblemException spent(Duration wait) {
        long seconds = RetryAfter.seconds(wait);
        return new ProblemException(ProblemType.TENANT_OPERATION_BUDGET,
                "This tenant started more register, reconnect, disconnect and webhook endpoint operations than "
                        + "refresher.access.tenant-operations-per-second (" + perSecond + ") allows on this replica; "
                        + "retry after " + seconds + " s.", wait);
    }
}
