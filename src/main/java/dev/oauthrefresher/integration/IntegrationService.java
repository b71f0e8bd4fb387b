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
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Registers integrations and answers the admin API's reads; tokens go to the token store only. */
@ApplicationScoped
public class IntegrationService {

    private static final Duration TOKEN_STORE_TIMEOUT = Duration.ofSeconds(30);

    private final IntegrationRepository integrations;
    private final TenantService tenants;
    private final TokenStore tokenStore;
    private final AuditLog audit;
    private final IntegrationEvents events;

    IntegrationService(IntegrationRepository integrations, TenantService tenants, TokenStore tokenStore, AuditLog audit,
            IntegrationEvents events) {
        this.integrations = integrations;
        this.tenants = tenants;
        this.tokenStore = tokenStore;
        this.audit = audit;
        this.events = events;
    }

    /**
     * Stores the tokens first, then the row: a row never points at a secret that was not written. If the
     * row insert fails, an unreferenced secret is left behind under a fresh random name, which is harmless.
     */
    public IntegrationView register(String tenantId, RegisterIntegration request) {
        Provider provider = Provider.fromCode(request.provider());
        QuarkusTransaction.requiringNew().run(() -> {
            tenants.require(tenantId);
            requireNoDuplicate(tenantId, provider, request.externalAccount());
        });
        UUID id = UUID.randomUUID();
        String secretName = Integration.secretNameFor(id);
        TokenSet tokens = new TokenSet(Secret.of(request.accessToken()), Secret.of(request.refreshToken()),
                request.accessTokenExpiresAt(), Optional.ofNullable(request.scope()), request.tokenType());
        try {
            tokenStore.save(secretName, tokens).await().atMost(TOKEN_STORE_TIMEOUT);
        } catch (TokenStoreException | io.smallrye.mutiny.TimeoutException e) {
            throw new ProblemException(503, "token-store-unavailable", "Service Unavailable",
                    "The token store did not accept the tokens; nothing was registered. Try again.",
                    Map.of("Retry-After", "5"));
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            requireNoDuplicate(tenantId, provider, request.externalAccount());
            Integration integration = new Integration(id, tenantId, provider, request.providerGroup(),
                    request.externalAccount(), request.accessTokenExpiresAt(), secretName, Instant.now());
            integrations.persist(integration);
            audit.record("integration.register", tenantId, id, provider.code() + "/" + request.providerGroup());
            return IntegrationView.of(integration);
        });
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
        events.statusChanged(id, IntegrationStatus.ERROR);
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
            throw ProblemException.conflict("Tenant '" + tenantId + "' already has a " + provider.code()
                    + " integration for '" + externalAccount + "'.");
        }
    }
}
