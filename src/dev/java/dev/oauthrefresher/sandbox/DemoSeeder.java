package dev.oauthrefresher.sandbox;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.connect.ConnectConfig;
import dev.oauthrefresher.connect.ConnectDtos.RedirectUriList;
import dev.oauthrefresher.connect.ConnectService;
import dev.oauthrefresher.integration.IntegrationDtos.IntegrationView;
import dev.oauthrefresher.integration.IntegrationDtos.RegisterIntegration;
import dev.oauthrefresher.integration.lifecycle.IntegrationService;
import dev.oauthrefresher.sandbox.SandboxGrants.Behaviour;
import dev.oauthrefresher.sandbox.SandboxGrants.Issued;
import dev.oauthrefresher.tenant.TenantDtos.CreateTenant;
import dev.oauthrefresher.tenant.TenantRepository;
import dev.oauthrefresher.tenant.TenantService;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.webhook.WebhookDtos.CreateEndpoint;
import dev.oauthrefresher.webhook.WebhookDtos.EndpointView;
import dev.oauthrefresher.webhook.WebhookEndpointService;
import dev.oauthrefresher.webhook.WebhookEventType;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Gives dev mode something to refresh: the tenant {@code demo} with one integration per sandbox behaviour, all in
 * provider group {@code sandbox}, registered through the same service as the admin API. Idempotent: a restart of
 * dev mode starts from an empty database, and a live reload keeps the database but loses the memory token store
 * and the sandbox's grants, so existing rows get a fresh grant and tokens instead of a second registration.
 * The tenant also has one webhook endpoint for every integration event, delivering to {@link SandboxWebhooks}, and,
 * when connect sessions are on, the sandbox's stand-in app page in its redirect-URI allow-list, so a connect session
 * runs in the browser against the sandbox's consent page ({@link SandboxConsentResource}).
 */
@ApplicationScoped
@IfBuildProperty(name = "refresher.sandbox.enabled", stringValue = "true")
class DemoSeeder {

    static final String TENANT = "demo";
    static final String PROVIDER_GROUP = "sandbox";
    /** The sandbox's stand-in for the host app's page a connect session ends on, under the public URL. */
    static final String APP_PAGE = "/dev/sandbox/connected";

    private static final Logger LOG = Logger.getLogger(DemoSeeder.class);
    private static final Duration TOKEN_STORE_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The demo users connected this long before dev mode started: their first access tokens are registered as
     * that much closer to expiry, so the first run finds them due, while a token a run has just refreshed is not.
     */
    private static final Duration CONNECTED_AGO = Duration.ofSeconds(30);

    /** One demo integration: its sandbox grant, what that grant does, and whether the user has already revoked it. */
    record Demo(String grant, Behaviour behaviour, boolean revoked) {
        String account() {
            return grant + "@demo.test";
        }
    }

    static final List<Demo> DEMOS = List.of(
            new Demo("alice", Behaviour.KEEP, false),
            new Demo("bob", Behaviour.KEEP, false),
            new Demo("carol", Behaviour.ROTATE, false),
            new Demo("dave", Behaviour.KEEP, true),
            new Demo("erin", Behaviour.OUTAGE, false));

    private final TenantService tenants;
    private final TenantRepository tenantRows;
    private final IntegrationService integrations;
    private final TokenStore tokenStore;
    private final SandboxGrants grants;
    private final ExampleKey exampleKey;
    private final WebhookEndpointService webhookEndpoints;
    private final SandboxWebhooks receiver;
    private final String receiverUrl;
    private final ConnectService connect;
    private final Optional<String> appPage;

    DemoSeeder(TenantService tenants, TenantRepository tenantRows, IntegrationService integrations, TokenStore tokenStore,
            SandboxGrants grants, ExampleKey exampleKey, WebhookEndpointService webhookEndpoints,
            SandboxWebhooks receiver, SandboxConfig config, ConnectService connect, ConnectConfig connectConfig) {
        this.tenants = tenants;
        this.tenantRows = tenantRows;
        this.integrations = integrations;
        this.tokenStore = tokenStore;
        this.grants = grants;
        this.exampleKey = exampleKey;
        this.webhookEndpoints = webhookEndpoints;
        this.receiver = receiver;
        this.receiverUrl = config.webhookUrl();
        this.connect = connect;
        this.appPage = connectConfig.publicUrl().map(url -> url.toString().replaceAll("/+$", "") + APP_PAGE);
    }

    void onStart(@Observes StartupEvent event) {
        if (QuarkusTransaction.requiringNew().call(() -> tenantRows.findByIdOptional(TENANT).isEmpty())) {
            tenants.create(new CreateTenant(TENANT, "Demo tenant (sandbox provider)", null));
        }
        Map<String, IntegrationView> existing = integrations.list(TENANT, 0, 1000).items().stream()
                .collect(Collectors.toMap(IntegrationView::externalAccount, Function.identity()));
        int registered = 0;
        int restored = 0;
        for (Demo demo : DEMOS) {
            IntegrationView row = existing.get(demo.account());
            if (row == null) {
                Issued issued = grants.consent(demo.grant(), demo.behaviour());
                integrations.register(TENANT, new RegisterIntegration("oauth2", PROVIDER_GROUP, demo.account(),
                        issued.accessToken(), issued.refreshToken().orElseThrow(), firstExpiry(issued), null, "Bearer"))
                        .await().atMost(TOKEN_STORE_TIMEOUT.multipliedBy(3));
                registered++;
            } else if (tokensMissing(row)) {
                Issued issued = grants.consent(demo.grant(), demo.behaviour());
                tokenStore.save(secretOf(row), new TokenSet(Secret.of(issued.accessToken()),
                        Secret.of(issued.refreshToken().orElseThrow()), firstExpiry(issued), Optional.empty(), "Bearer"))
                        .await().atMost(TOKEN_STORE_TIMEOUT);
                restored++;
            } else {
                continue;
            }
            if (demo.revoked()) {
                grants.revoke(demo.grant());
            }
        }
        exampleKey.issue(TENANT);
        registerWebhookEndpoint();
        appPage.ifPresent(this::allowRedirectUri);
        LOG.infof("Sandbox: demo tenant '%s' has %d integrations in provider group '%s' (%d registered now, %d given "
                + "fresh sandbox tokens), its webhook events go to %s; README's \"Try it\" walks through them; "
                + "Swagger UI shows an example tenant API key; its connect sessions may return to %s", TENANT,
                DEMOS.size(), PROVIDER_GROUP, registered, restored, receiverUrl,
                appPage.orElse("(nowhere: refresher.connect.public-url is not set)"));
    }

    /**
     * The secret is shown only when an endpoint is created and the receiver keeps it in memory, so an endpoint a
     * live reload left behind is replaced rather than kept.
     */
    private void registerWebhookEndpoint() {
        webhookEndpoints.list(TENANT).items().stream()
                .filter(e -> receiverUrl.equals(e.url()))
                .map(EndpointView::id)
                .forEach(id -> webhookEndpoints.delete(TENANT, id));
        List<String> events = Arrays.stream(WebhookEventType.values())
                .filter(t -> t != WebhookEventType.WEBHOOK_TEST)
                .map(WebhookEventType::code)
                .toList();
        receiver.trust(Secret.of(webhookEndpoints.create(TENANT, new CreateEndpoint(receiverUrl, events))
                .await().indefinitely()
                .secret()));
    }

    private static Instant firstExpiry(Issued issued) {
        return Instant.now().plus(issued.expiresIn()).minus(CONNECTED_AGO);
    }

    /** Adds the app page to the demo tenant's redirect URIs, keeping any an operator added. */
    private void allowRedirectUri(String uri) {
        List<String> uris = new ArrayList<>(connect.redirectUris(TENANT).redirectUris());
        if (!uris.contains(uri)) {
            uris.add(uri);
            connect.setRedirectUris(TENANT, new RedirectUriList(uris));
        }
    }

    /** Where the row says its tokens are (its vault, recorded at registration). */
    private SecretRef secretOf(IntegrationView row) {
        return QuarkusTransaction.requiringNew().call(() -> integrations.require(TENANT, row.id()).secretRef());
    }

    private boolean tokensMissing(IntegrationView row) {
        return tokenStore.load(secretOf(row)).await().atMost(TOKEN_STORE_TIMEOUT).isEmpty();
    }
}
