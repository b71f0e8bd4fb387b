package dev.oauthrefresher.integration;

import dev.oauthrefresher.admin.AuditLog;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationPage;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationView;
import dev.oauthrefresher.integration.IntegrationDtos.RegisterIntegration;
import dev.oauthrefresher.tenant.TenantService;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import dev.oauthrefresher.web.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.exception.ConstraintViolationException;

/** Registers integrations and answers the admin API's reads; tokens go to the token store only. */
@ApplicationScoped
public class IntegrationService {

    private static final Duration TOKEN_STORE_TIMEOUT = Duration.ofSeconds(30);

    /** The unique key on (tenant_id, provider, external_account), V1__schema.sql. */
    private static final String ACCOUNT_UNIQUE = "integration_account_unique";

    private final IntegrationRepository integrations;
    private final TenantService tenants;
    private final TokenStore tokenStore;
    private final AuditLog audit;
    private final ProviderGroups providerGroups;

    IntegrationService(IntegrationRepository integrations, TenantService tenants, TokenStore tokenStore, AuditLog audit,
            ProviderGroups providerGroups) {
        this.integrations = integrations;
        this.tenants = tenants;
        this.tokenStore = tokenStore;
        this.audit = audit;
        this.providerGroups = providerGroups;
    }

    /**
     * Inserts the row, stores the tokens and commits, in that order and in one transaction. The insert takes the
     * tenant/provider/account unique key first, so a concurrent duplicate waits on it and then fails with 409
     * before it writes any secret: the loser of a race never touches the store, so it cannot orphan a secret nor
     * overwrite or delete the winner's. Until the commit no one else sees the row, so nothing refreshes an
     * integration whose tokens are not stored yet; if the store refuses them, the row is rolled back.
     */
    public IntegrationView register(String tenantId, RegisterIntegration request) {
        Provider provider = Provider.fromCode(request.provider());
        requireConfiguredGroup(provider, request.providerGroup());
        UUID id = UUID.randomUUID();
        TokenSet tokens = new TokenSet(Secret.of(request.accessToken()), Secret.of(request.refreshToken()),
                request.accessTokenExpiresAt(), Optional.ofNullable(request.scope()), request.tokenType());
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                tenants.require(tenantId);
                requireNoDuplicate(tenantId, provider, request.externalAccount());
                Integration integration = new Integration(id, tenantId, provider, request.providerGroup(),
                        request.externalAccount(), request.accessTokenExpiresAt(), Integration.secretNameFor(id), Instant.now());
                integrations.persist(integration);
                integrations.flush();
                store(integration.secretName(), tokens);
                audit.record("integration.register", tenantId, id, provider.code() + "/" + request.providerGroup());
                return IntegrationView.of(integration);
            });
        } catch (PersistenceException e) {
            if (isDuplicateAccount(e)) {
                throw duplicate(tenantId, provider, request.externalAccount());
            }
            throw e;
        }
    }

    private void requireConfiguredGroup(Provider provider, String group) {
        Optional<Provider> type = providerGroups.typeOf(group);
        if (type.isEmpty()) {
            throw ProblemException.invalidField("providerGroup", "no provider group '" + group + "' is configured");
        }
        if (type.get() != provider) {
            throw ProblemException.invalidField("providerGroup", "provider group '" + group + "' is of type "
                    + type.get().code() + ", not " + provider.code());
        }
    }

    private void store(String secretName, TokenSet tokens) {
        try {
            tokenStore.save(secretName, tokens).await().atMost(TOKEN_STORE_TIMEOUT);
        } catch (TokenStoreException | io.smallrye.mutiny.TimeoutException e) {
            throw new ProblemException(503, "token-store-unavailable", "Service Unavailable",
                    "The token store did not accept the tokens; nothing was registered. Try again.",
                    Map.of("Retry-After", "5"));
        }
    }

    private static boolean isDuplicateAccount(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException violation
                    && ACCOUNT_UNIQUE.equalsIgnoreCase(String.valueOf(violation.getConstraintName()))) {
                return true;
            }
        }
        return false;
    }

    @Transactional
    public IntegrationView get(String tenantId, UUID id) {
        tenants.require(tenantId);
        return IntegrationView.of(require(tenantId, id));
    }

    @Transactional
    public IntegrationPage list(String tenantId, int offset, int limit) {
        tenants.require(tenantId);
        long total = integrations.count("tenantId", tenantId);
        return new IntegrationPage(integrations.listByTenant(tenantId, offset, limit).stream()
                .map(IntegrationView::of).toList(), offset, limit, total);
    }

    /** An operator fixed what kept failing: {@code error → active}, audited. Only {@code error} rows qualify. */
    @Transactional
    public IntegrationView reactivate(String tenantId, UUID id) {
        tenants.require(tenantId);
        Integration integration = require(tenantId, id);
        if (!integrations.reactivate(id, Instant.now())) {
            throw ProblemException.conflict("Integration " + id + " is " + integration.status().code()
                    + "; only an integration in error can be reactivated.");
        }
        audit.record("integration.reactivate", tenantId, id, "error -> active");
        integrations.getEntityManager().refresh(integration);
        return IntegrationView.of(integration);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public Integration require(String tenantId, UUID id) {
        return integrations.findForTenant(tenantId, id)
                .orElseThrow(() -> ProblemException.notFound("Integration " + id + " does not exist for tenant '" + tenantId + "'."));
    }

    private void requireNoDuplicate(String tenantId, Provider provider, String externalAccount) {
        if (integrations.count("tenantId = ?1 and provider = ?2 and externalAccount = ?3", tenantId, provider, externalAccount) > 0) {
            throw duplicate(tenantId, provider, externalAccount);
        }
    }

    private static ProblemException duplicate(String tenantId, Provider provider, String externalAccount) {
        return ProblemException.conflict("Tenant '" + tenantId + "' already has a " + provider.code()
                + " integration for '" + externalAccount + "'.");
    }
}
