package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.common.ExponentialBackoff;
import dev.oauthrefresher.common.RetryAfter;
import dev.oauthrefresher.common.Transport;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.oauthrefresher.common.Secret;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import reactor.core.publisher.Mono;

/**
 * Tokens in Azure Key Vault: one secret per integration holding a JSON document, in the vault its {@link SecretRef}
 * names (one client per configured vault). Every request passes that vault's client-side rate limit
 * ({@link VaultBudget}) at this store's {@link VaultPriority}, waiting a bounded time for its permit; throttled answers
 * (429/503 with {@code Retry-After}), 5xx and I/O failures are retried a bounded number of times without blocking a
 * thread; anything else fails at once.
 */
public class KeyVaultTokenStore implements TokenStore {

    private static final Logger LOG = Logger.getLogger(KeyVaultTokenStore.class);
    /** The send-by of a call no lease allows (a read, a probe, a webhook secret): only the operation's worst case. */
    private static final Supplier<Instant> NO_LEASE = () -> Instant.MAX;

    /**
     * Only names this service derives from integration ids, so a bug or a crafted name can never read or
     * overwrite another secret kept in the same vault.
     */
    private static final Pattern SECRET_NAME =
            Pattern.compile("integration-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** Webhook endpoints' signing secrets live apart from tokens, under names derived from endpoint ids. */
    private static final Pattern WEBHOOK_SECRET_NAME =
            Pattern.compile("webhook-endpoint-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final String MANAGED_BY = "managed-by";
    private static final String SERVICE = "oauth-refresher";
    private static final String SCHEMA_TAG = "schema";
    private static final String TOKEN_SCHEMA = "token-set-1";
    /** Which integration a secret belongs to, for an operator reading the vault; the sweeper judges by name. */
    private static final String INTEGRATION_TAG = "integration-id";
    /** The service's own secrets (the key ring), under names no integration or endpoint id can produce. */
    private static final Pattern SERVICE_SECRET_NAME = Pattern.compile("oauth-refresher-[a-z0-9-]{1,100}");
    private static final String WEBHOOK_SCHEMA = "webhook-secret-1";
    private static final Map<String, String> WEBHOOK_TAGS = Map.of(MANAGED_BY, SERVICE, SCHEMA_TAG, WEBHOOK_SCHEMA);
    /** Read by {@link #ping()}; it need not exist: a 404 proves the vault is reachable and lets us in. */
    static final String PROBE_SECRET = "oauth-refresher-readiness-probe";
    static final String CONTENT_TYPE = "application/json";
    /**
     * The token document's version (docs/TOKEN-DOCUMENT.md); readers accept any version, using only the fields they know.
     * 1: every refresh rewrites the document, so its access token is the current one. 2: the same fields, but a refresh
     * that keeps the refresh token does not rewrite it ({@code refresher.token-store.write-access-tokens=false}), so its
     * access token is the one of its last write and may have expired.
     */
    static final int SCHEMA_ACCESS_TOKEN_CURRENT = 1;
    static final int SCHEMA_ACCESS_TOKEN_AS_WRITTEN = 2;
    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    /** One vault: its name, its client, and this replica's request budget for it. */
    record Vault(String name, SecretAsyncClient client, VaultLimiter limiter) {
    }

    private final Map<String, Vault> vaults;
    private final Vault webhookVault;
    private final CallPolicy policy;
    private final Delay delay;
    private final VaultPriority priority;
    private final int documentSchema;

    /**
     * The store on-demand callers use; {@link #withPriority} gives the same vaults at another priority.
     *
     * @param webhookVault the name of the vault in {@code vaults} that keeps webhook signing secrets
     */
    KeyVaultTokenStore(Map<String, Vault> vaults, String webhookVault, CallPolicy policy, Delay delay, int documentSchema) {
        this(new TreeMap<>(vaults), Objects.requireNonNull(vaults.get(webhookVault), "webhook vault " + webhookVault),
                policy, delay, VaultPriority.ON_DEMAND, documentSchema);
    }

    private KeyVaultTokenStore(Map<String, Vault> vaults, Vault webhookVault, CallPolicy policy, Delay delay,
            VaultPriority priority, int documentSchema) {
        this.vaults = vaults;
        this.webhookVault = webhookVault;
        this.policy = policy;
        this.delay = delay;
        this.priority = priority;
        this.documentSchema = documentSchema;
    }

    /** The document version this store writes, for {@code refresher.token-store.write-access-tokens}. */
    static int documentSchema(boolean writeAccessTokens) {
        return writeAccessTokens ? SCHEMA_ACCESS_TOKEN_CURRENT : SCHEMA_ACCESS_TOKEN_AS_WRITTEN;
    }

    @Override
    public TokenStore withPriority(VaultPriority wanted) {
        return wanted == priority ? this : new KeyVaultTokenStore(vaults, webhookVault, policy, delay, wanted, documentSchema);
    }

    @Override
    public Uni<Optional<Versioned>> load(SecretRef ref) {
        String secretName = ref.secretName();
        return requireValidName(secretName).chain(() -> vault(ref))
                .chain(vault -> withRetries(vault, "load", secretName, () -> vault.client().getSecret(secretName)
                        .map(Optional::of)
                        // a deleted secret is a missing one, whether purged or awaiting recovery
                        .onErrorReturn(KeyVaultTokenStore::isNotFound, Optional.empty())))
                .map(found -> found.map(secret -> decode(secretName, secret)));
    }

    @Override
    public Uni<String> save(SecretRef ref, TokenSet tokens) {
        return save(ref, tokens, NO_LEASE);
    }

    /** Sends nothing past the lease's {@link WriteLease#sendBy()}, nor past the operation's own worst case. */
    @Override
    public Uni<String> save(SecretRef ref, TokenSet tokens, WriteLease lease) {
        return save(ref, tokens, lease.sendBy());
    }

    private Uni<String> save(SecretRef ref, TokenSet tokens, Supplier<Instant> sendBy) {
        String secretName = ref.secretName();
        return requireValidName(secretName).chain(() -> vault(ref)).chain(vault -> {
            KeyVaultSecret secret = tokenSecret(secretName, tokens);
            return withRetries(vault, "save", secretName, () -> vault.client().setSecret(secret), sendBy)
                    .map(stored -> stored.getProperties().getVersion());
        });
    }

    /**
     * {@link #save}, recovering the name first where the vault kept it soft-deleted (see {@link #awaitsRecovery}). Only
     * the vault move asks this; for any other writer a deleted name means a disconnect, and its write stays refused.
     */
    @Override
    public Uni<String> saveRecovering(SecretRef ref, TokenSet tokens, WriteLease lease) {
        String secretName = ref.secretName();
        return requireValidName(secretName).chain(() -> vault(ref)).chain(vault -> {
            KeyVaultSecret secret = tokenSecret(secretName, tokens);
            Supplier<Mono<KeyVaultSecret>> write = () -> vault.client().setSecret(secret);
            // one deadline for the whole save, a recovery included: a process paused between its steps sends none after it
            return Uni.createFrom().deferred(() -> {
                Supplier<Instant> deadline = deadline(lease.sendBy());
                return withRetriesUntil(vault, "save", secretName, write, deadline)
                        .onFailure(KeyVaultTokenStore::awaitsRecovery)
                        .recoverWithUni(deleted -> recover(vault, secretName, deadline)
                                .chain(() -> withRetriesUntil(vault, "save", secretName, write, deadline)));
            }).map(stored -> stored.getProperties().getVersion());
        });
    }

    /**
     * Whether a write failed because the name belongs to a soft-deleted secret (409). This store deletes and purges; a
     * vault with purge protection (Azure's recommended setting) or an identity without the purge permission keeps the
     * deleted secret, and its name, for the retention period. That happens when an integration's tokens leave the vault
     * (a move to another vault or to the database): moving back, its name can only be recovered, never written.
     */
    private static boolean awaitsRecovery(Throwable failure) {
        return failure instanceof TokenStoreException && hasStatus(failure.getCause(), 409);
    }

    /**
     * Recovers the soft-deleted secret so the write that follows replaces it; its old versions come back with it, as
     * they were before the delete (the write makes the new one current). Already recovered or purged meanwhile is done.
     */
    private Uni<Void> recover(Vault vault, String secretName, Supplier<Instant> deadline) {
        LOG.infof("Secret %s is soft-deleted in vault '%s' (its purge was refused when it left); recovering it to write it",
                secretName, vault.name());
        return withRetriesUntil(vault, "recover", secretName, () -> vault.client().beginRecoverDeletedSecret(secretName)
                .setPollInterval(policy.deletePollInterval()).last().then()
                .onErrorResume(KeyVaultTokenStore::isNotFound, gone -> Mono.empty()), deadline);
    }

    private KeyVaultSecret tokenSecret(String secretName, TokenSet tokens) {
        return new KeyVaultSecret(secretName, encode(tokens, documentSchema))
                .setProperties(new SecretProperties().setContentType(CONTENT_TYPE).setTags(tokenTags(secretName)));
    }

    /** Every token secret carries them, so a listing can tell this service's secrets from anything else in the vault. */
    private static Map<String, String> tokenTags(String secretName) {
        return Map.of(MANAGED_BY, SERVICE, SCHEMA_TAG, TOKEN_SCHEMA,
                INTEGRATION_TAG, secretName.substring("integration-".length()));
    }

    /**
     * One page ({@code listPropertiesOfSecrets}, up to 25 secret items; the page token is Key Vault's {@code nextLink})
     * is one request: it waits for the vault's permit and is retried like any other. Only names this store derives and
     * that carry its tags are returned; secrets without {@code updated} (none in Azure) are left out.
     */
    @Override
    public Uni<SecretPage> listTokenSecrets(String vaultName, Optional<String> pageToken) {
        return vault(vaultName).chain(vault -> withRetries(vault, "list", "integration-*", () -> (pageToken.isPresent()
                        ? vault.client().listPropertiesOfSecrets().byPage(pageToken.get())
                        : vault.client().listPropertiesOfSecrets().byPage()).next()
                .map(page -> new SecretPage(page.getValue().stream()
                        .filter(KeyVaultTokenStore::isTokenSecret)
                        .map(properties -> new SecretPage.Listed(properties.getName(), properties.getUpdatedOn().toInstant()))
                        .toList(), Optional.ofNullable(page.getContinuationToken())))
                .defaultIfEmpty(SecretPage.EMPTY)));
    }

    private static boolean isTokenSecret(SecretProperties properties) {
        Map<String, String> tags = properties.getTags();
        return properties.getName() != null && SECRET_NAME.matcher(properties.getName()).matches()
                && properties.getUpdatedOn() != null && tags != null
                && SERVICE.equals(tags.get(MANAGED_BY)) && TOKEN_SCHEMA.equals(tags.get(SCHEMA_TAG));
    }

    private Uni<Vault> vault(SecretRef ref) {
        return vault(ref.vault());
    }

    private Uni<Vault> vault(String name) {
        Vault vault = vaults.get(name);
        return vault == null
                ? Uni.createFrom().failure(new VaultNotConfiguredException(name))
                : Uni.createFrom().item(vault);
    }

    @Override
    public Duration requestTimeout() {
        return policy.requestTimeout();
    }

    /**
     * The longest one operation can take with its retries: every attempt waiting the longest for its permit (a
     * scheduled call's bound, whatever this store's priority, so every view of it sizes leases alike) and then timing
     * out, with the longest wait this store sits out between them ({@code Retry-After} or backoff).
     */
    @Override
    public Duration worstCase() {
        Duration permitWait = vaults.values().stream().map(vault -> vault.limiter().bound(VaultPriority.SCHEDULED))
                .max(Duration::compareTo).orElse(Duration.ZERO);
        return policy.requestTimeout().plus(permitWait).multipliedBy(policy.maxAttempts())
                .plus(policy.maxRetryWait().multipliedBy(policy.maxAttempts() - 1L));
    }

    /**
     * Deletes the secret (Key Vault keeps it soft-deleted), waits until the deletion has finished, then purges it
     * so the tokens are gone for good. A vault with purge protection, or an identity without the purge permission,
     * answers the purge with 403: the secret then stays soft-deleted, unreadable, until the vault's retention
     * period ends. Missing secrets count as deleted, so a repeated or half-finished delete completes.
     */
    @Override
    public Uni<Void> delete(SecretRef ref) {
        return requireValidName(ref.secretName()).chain(() -> vault(ref))
                .chain(vault -> deleteAndPurge(vault, ref.secretName(), NO_LEASE));
    }

    /** Sends nothing past the lease's {@link WriteLease#sendBy()}, nor past the operation's own worst case. */
    @Override
    public Uni<Void> delete(SecretRef ref, WriteLease lease) {
        return requireValidName(ref.secretName()).chain(() -> vault(ref))
                .chain(vault -> deleteAndPurge(vault, ref.secretName(), lease.sendBy()));
    }

    private Uni<Void> deleteAndPurge(Vault vault, String secretName, Supplier<Instant> sendBy) {
        return withRetries(vault, "delete", secretName, () -> vault.client().beginDeleteSecret(secretName)
                        .setPollInterval(policy.deletePollInterval()).last().then()
                        .onErrorResume(KeyVaultTokenStore::isNotFound, gone -> Mono.empty()), sendBy)
                .chain(() -> withRetries(vault, "purge", secretName, () -> vault.client().purgeDeletedSecret(secretName)
                        .onErrorResume(KeyVaultTokenStore::isNotFound, gone -> Mono.empty())
                        .onErrorResume(failure -> hasStatus(failure, 403), refused -> {
                            LOG.infof("Secret %s is deleted in vault '%s'; the vault refused to purge it (purge protection "
                                    + "or no purge permission), so it stays soft-deleted until its retention period ends",
                                    secretName, vault.name());
                            return Mono.empty();
                        }), sendBy));
    }

    @Override
    public Uni<Optional<WebhookSecret>> loadWebhookSecret(String secretName) {
        return requireValidName(WEBHOOK_SECRET_NAME, secretName)
                .chain(() -> withRetries(webhookVault, "load", secretName, () -> webhookVault.client().getSecret(secretName)
                        .map(Optional::of)
                        .onErrorReturn(KeyVaultTokenStore::isNotFound, Optional.empty())))
                .map(found -> found.map(secret -> decodeWebhookSecret(secretName, secret)));
    }

    /** From the vault named {@code default} (where webhook secrets live too); a deleted or missing secret is none. */
    @Override
    public Uni<Optional<Secret>> loadServiceSecret(String secretName) {
        return requireValidName(SERVICE_SECRET_NAME, secretName)
                .chain(() -> withRetries(webhookVault, "load", secretName, () -> webhookVault.client().getSecret(secretName)
                        .map(Optional::of)
                        .onErrorReturn(KeyVaultTokenStore::isNotFound, Optional.empty())))
                .map(found -> found.map(secret -> Secret.of(secret.getValue() == null ? "" : secret.getValue())));
    }

    @Override
    public Uni<Void> saveWebhookSecret(String secretName, WebhookSecret secret) {
        return requireValidName(WEBHOOK_SECRET_NAME, secretName).chain(() -> {
            KeyVaultSecret stored = new KeyVaultSecret(secretName, encodeWebhookSecret(secret))
                    .setProperties(new SecretProperties().setContentType(CONTENT_TYPE).setTags(WEBHOOK_TAGS));
            return withRetries(webhookVault, "save", secretName, () -> webhookVault.client().setSecret(stored)).replaceWithVoid();
        });
    }

    /** Deleted and purged like an integration's tokens ({@link #delete}). */
    @Override
    public Uni<Void> deleteWebhookSecret(String secretName) {
        return requireValidName(WEBHOOK_SECRET_NAME, secretName).chain(() -> deleteAndPurge(webhookVault, secretName, NO_LEASE));
    }

    /**
     * One attempt per vault, all at once, no retries: readiness wants the vaults' state now, not after a backoff.
     * Every configured vault must answer, so a new vault this service's identity cannot use stops a rollout. A probe
     * takes no permit of the budget ({@code budget-share} leaves room for probes): a probe refused by a busy budget
     * would take a replica out of service for being busy.
     */
    @Override
    public Uni<Void> ping() {
        List<Uni<Void>> pings = vaults.values().stream().map(this::ping).toList();
        return Uni.join().all(pings).andFailFast().replaceWithVoid();
    }

    private Uni<Void> ping(Vault vault) {
        // one attempt, nothing to retry late: no deadline
        return call(() -> vault.client().getSecret(PROBE_SECRET).then()
                        .onErrorResume(KeyVaultTokenStore::isNotFound, notFound -> Mono.empty()), "ping", PROBE_SECRET, NO_LEASE)
                .onFailure().transform(failure -> classify(vault, "ping", PROBE_SECRET, failure, 1))
                .replaceWithVoid();
    }

    private static Uni<Void> requireValidName(String secretName) {
        return requireValidName(SECRET_NAME, secretName);
    }

    private static Uni<Void> requireValidName(Pattern allowed, String secretName) {
        if (secretName != null && allowed.matcher(secretName).matches()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().failure(new TokenStoreException("Refused secret name " + quoted(secretName)
                + ": this operation only accepts names matching " + allowed.pattern() + ".", false, null));
    }

    /**
     * The operation with its retries, none of which is sent past {@link #worstCase()} after the operation began. A
     * caller proved its lease before the operation, and its lease outlives that worst case while the process runs (the
     * keeper renews it); a process paused longer (a frozen pod, a long GC) may have lost the row meanwhile, so a retry
     * whose timer fires after the pause is not sent: it would write what the row's new holder has already replaced.
     */
    private <T> Uni<T> withRetries(Vault vault, String operation, String secretName, Supplier<Mono<T>> request) {
        return withRetries(vault, operation, secretName, request, NO_LEASE);
    }

    /** As above, and none sent past {@code sendBy} either: the end of the lease that allows a write ({@link WriteLease}). */
    private <T> Uni<T> withRetries(Vault vault, String operation, String secretName, Supplier<Mono<T>> request,
            Supplier<Instant> sendBy) {
        return Uni.createFrom().deferred(() -> withRetriesUntil(vault, operation, secretName, request, deadline(sendBy)));
    }

    /** None sent past {@code deadline}: for the steps of one operation that share its deadline. */
    private <T> Uni<T> withRetriesUntil(Vault vault, String operation, String secretName, Supplier<Mono<T>> request,
            Supplier<Instant> deadline) {
        return attempt(vault, operation, secretName, request, 1, false, deadline);
    }

    /**
     * The earlier of the operation's worst case from now and {@code sendBy} less a request timeout, asked again before
     * each request: a lease the keeper renews while this process runs moves {@code sendBy} on; a paused one's cannot (its
     * renewal finds the row gone), so what the pause held back is not sent.
     */
    private Supplier<Instant> deadline(Supplier<Instant> sendBy) {
        Instant worst = Instant.now().plus(worstCase());
        return () -> {
            // a request sent is answered or given up within the request timeout: sent later, it could land after the lease
            Instant last = sendBy.get().minus(requestTimeout());
            return last.isBefore(worst) ? last : worst;
        };
    }

    /** @param mayHaveApplied whether an earlier attempt may have been applied: the final failure must say so */
    private <T> Uni<T> attempt(Vault vault, String operation, String secretName, Supplier<Mono<T>> request, int attempt,
            boolean mayHaveApplied, Supplier<Instant> deadline) {
        return send(vault, request, operation, secretName, deadline).onFailure().recoverWithUni(failure -> {
            TokenStoreException classified = classify(vault, operation, secretName, failure, attempt);
            TokenStoreException error = mayHaveApplied ? classified.afterUnansweredAttempt() : classified;
            Optional<Duration> wait = waitBeforeRetry(error, attempt);
            if (wait.isEmpty()) {
                return Uni.createFrom().failure(error);
            }
            LOG.debugf("Retrying %s of %s in %d ms: %s", operation, secretName, wait.get().toMillis(), error.getMessage());
            return delay.by(wait.get())
                    .chain(() -> attempt(vault, operation, secretName, request, attempt + 1, error.mayHaveApplied(), deadline));
        });
    }

    /**
     * One request: waits for the vault's rate-limit permit (without blocking, at most this priority's bound; a permit
     * further away fails at once with {@link VaultBudgetExhaustedException}), then for the answer.
     */
    private <T> Uni<T> send(Vault vault, Supplier<Mono<T>> request, String operation, String secretName,
            Supplier<Instant> deadline) {
        return Uni.createFrom().deferred(() -> {
            Duration permit = vault.limiter().acquire(priority);
            return permit.isZero() ? call(request, operation, secretName, deadline)
                    : delay.by(permit).chain(() -> call(request, operation, secretName, deadline));
        });
    }

    /** The request itself, unless its operation's deadline has passed, waiting at most the timeout for its answer. */
    private <T> Uni<T> call(Supplier<Mono<T>> request, String operation, String secretName, Supplier<Instant> deadline) {
        return Uni.createFrom().deferred(() -> Instant.now().isAfter(deadline.get())
                ? Uni.createFrom().<T>failure(new NotSentException("Not sending " + operation + " of secret '" + secretName
                        + "': past its deadline (the operation's worst case, " + worstCase() + ", or the end of the lease "
                        + "that allows it); this process was paused or slowed, and the row may have another holder by now"))
                : Uni.createFrom().completionStage(() -> request.get().toFuture())
                        .ifNoItem().after(policy.requestTimeout()).failWith(TimeoutException::new));
    }

    private Optional<Duration> waitBeforeRetry(TokenStoreException error, int attempt) {
        // a refused permit is this replica's own budget answering: waiting for it anyway is what its bound forbids
        if (error instanceof VaultBudgetExhaustedException || !error.isTransient() || attempt >= policy.maxAttempts()) {
            return Optional.empty();
        }
        if (error.retryAfter().isPresent()) {
            Duration asked = error.retryAfter().get();
            return asked.compareTo(policy.maxRetryWait()) <= 0 ? Optional.of(asked) : Optional.empty();
        }
        return Optional.of(backoff(attempt));
    }

    /** Doubles per attempt up to the longest wait, spread by half either way so replicas do not retry in step. */
    private Duration backoff(int attempt) {
        return new ExponentialBackoff(policy.retryBackoff(), policy.maxRetryWait(), 2.0, 0.5)
                .delay(attempt, ThreadLocalRandom.current().nextDouble());
    }

    private TokenStoreException classify(Vault vault, String operation, String secretName, Throwable thrown, int attempt) {
        Throwable failure = thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
        String what = operation + " of secret '" + secretName + "' in vault '" + vault.name() + "'" + attempts(attempt);
        if (failure instanceof TokenStoreException known) {
            return known;
        }
        if (failure instanceof HttpResponseException http && http.getResponse() != null) {
            int status = http.getResponse().getStatusCode();
            boolean transientStatus = status == 408 || status == 429 || status >= 500;
            // a gateway's error in the vault's place: the vault behind it may have applied the request
            boolean gateway = status == 500 || status == 502 || status == 504;
            return new TokenStoreException("Key Vault answered HTTP " + status + " to " + what + hint(status),
                    transientStatus, transientStatus ? retryAfter(http.getResponse().getHeaders()).orElse(null) : null, http,
                    gateway);
        }
        if (failure instanceof ClientAuthenticationException) {
            return new TokenStoreException("No access token for Key Vault, so no " + what
                    + ": check the workload or managed identity (see cause).", false, null, failure);
        }
        Transport.Failure kind = Transport.classify(failure);
        if (kind == Transport.Failure.TIMEOUT) {
            // this store's own wait and the client's read, write and response timeouts are all the request timeout
            return new TokenStoreException("Key Vault did not answer within " + policy.requestTimeout().toMillis()
                    + " ms to " + what + ".", true, null, null, true);
        }
        if (kind != Transport.Failure.OTHER) {
            // no connection (DNS, connect) sent nothing; one that broke (closed, TLS) may have broken after the request
            return new TokenStoreException("Could not reach Key Vault for " + what + ": " + failure.getClass().getName(),
                    true, null, failure, kind == Transport.Failure.CLOSED || kind == Transport.Failure.TLS);
        }
        // Not an answer of the vault: most likely the HTTP client's own failure on a broken connection. Retried
        // (within max-attempts), since giving up at once would park a rotated token for a whole retry interval.
        return new TokenStoreException("Unexpected failure of " + what + ": " + failure.getClass().getName(),
                true, null, failure, true);
    }

    private String attempts(int attempt) {
        return attempt > 1 ? " (attempt " + attempt + " of " + policy.maxAttempts() + ")" : "";
    }

    private static String hint(int status) {
        return switch (status) {
            case 401 -> ": the vault did not accept this service's identity.";
            case 403 -> ": the identity lacks permission on secrets, or the secret is disabled.";
            case 409 -> ": a deleted secret of that name awaits recovery or purge.";
            case 429 -> ": throttled.";
            default -> ".";
        };
    }

    /** {@code retry-after-ms} and {@code x-ms-retry-after-ms} first (Azure's), then {@code Retry-After} in seconds or as a date. */
    static Optional<Duration> retryAfter(HttpHeaders headers) {
        for (HttpHeaderName millisHeader : new HttpHeaderName[] {HttpHeaderName.RETRY_AFTER_MS, HttpHeaderName.X_MS_RETRY_AFTER_MS}) {
            String millis = headers.getValue(millisHeader);
            if (millis != null && millis.trim().matches("\\d{1,9}")) {
                return Optional.of(Duration.ofMillis(Long.parseLong(millis.trim())));
            }
        }
        return RetryAfter.parse(headers.getValue(HttpHeaderName.RETRY_AFTER), Instant.now());
    }

    private static boolean isNotFound(Throwable failure) {
        return hasStatus(failure, 404);
    }

    private static boolean hasStatus(Throwable failure, int status) {
        return failure instanceof HttpResponseException http && http.getResponse() != null
                && http.getResponse().getStatusCode() == status;
    }

    private static String encode(TokenSet tokens, int schema) {
        return toJson(new TokenDocument(schema, tokens.accessToken().reveal(), tokens.refreshToken().reveal(),
                tokens.expiresAt(), tokens.scope().orElse(null), tokens.tokenType()), "the tokens");
    }

    private static String toJson(Object document, String what) {
        try {
            return JSON.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            // the cause is dropped on purpose: Jackson's messages may quote the value being written
            throw new TokenStoreException("Could not encode " + what + " as JSON.", false, null);
        }
    }

    private static Versioned decode(String secretName, KeyVaultSecret secret) {
        TokenDocument document;
        try {
            document = JSON.readValue(secret.getValue() == null ? "" : secret.getValue(), TokenDocument.class);
        } catch (IOException e) {
            // the cause is dropped on purpose: Jackson's messages quote the secret's content
            throw new UnreadableTokensException("Secret '" + secretName + "' does not hold a token document.");
        }
        if (document == null || document.accessToken() == null || document.refreshToken() == null || document.expiresAt() == null) {
            throw new UnreadableTokensException("Secret '" + secretName
                    + "' holds a token document without access_token, refresh_token or expires_at.");
        }
        TokenSet tokens = new TokenSet(Secret.of(document.accessToken()), Secret.of(document.refreshToken()),
                document.expiresAt(), Optional.ofNullable(document.scope()), document.tokenType());
        return new Versioned(tokens, secret.getProperties().getVersion());
    }

    private static String encodeWebhookSecret(WebhookSecret secret) {
        return toJson(new WebhookSecretDocument(WEBHOOK_SCHEMA, secret.current().reveal(),
                secret.previous().map(Secret::reveal).orElse(null), secret.previousValidUntil().orElse(null)),
                "the webhook secret");
    }

    private static WebhookSecret decodeWebhookSecret(String secretName, KeyVaultSecret secret) {
        WebhookSecretDocument document;
        try {
            document = JSON.readValue(secret.getValue() == null ? "" : secret.getValue(), WebhookSecretDocument.class);
        } catch (IOException e) {
            // the cause is dropped on purpose: Jackson's messages quote the secret's content
            throw new TokenStoreException("Secret '" + secretName + "' does not hold a webhook secret document.", false, null);
        }
        if (document == null || document.current() == null
                || (document.previous() == null) != (document.previousValidUntil() == null)) {
            throw new TokenStoreException("Secret '" + secretName + "' holds an incomplete webhook secret document.", false, null);
        }
        return new WebhookSecret(Secret.of(document.current()), Optional.ofNullable(document.previous()).map(Secret::of),
                Optional.ofNullable(document.previousValidUntil()));
    }

    private static String quoted(String name) {
        if (name == null) {
            return "null";
        }
        return "'" + (name.length() > 80 ? name.substring(0, 80) + "…" : name) + "'";
    }

    /** Pauses without holding a thread; a seam so tests can see which waits were asked for. */
    @FunctionalInterface
    interface Delay {

        Delay TIMER = duration -> Uni.createFrom().voidItem().onItem().delayIt().by(duration);

        Uni<Void> by(Duration duration);
    }

    /**
     * How one operation is attempted.
     *
     * @param maxAttempts attempts including the first
     * @param requestTimeout longest wait for one answer
     * @param retryBackoff first pause before retrying a 5xx or I/O failure
     * @param maxRetryWait longest pause sat out before a retry, {@code Retry-After} included
     */
    record CallPolicy(int maxAttempts, Duration requestTimeout, Duration retryBackoff, Duration maxRetryWait,
            Duration deletePollInterval) {

        static CallPolicy of(TokenStoreConfig.KeyVault config) {
            return new CallPolicy(config.maxAttempts(), config.requestTimeout(), config.retryBackoff(), config.maxRetryWait(),
                    config.deletePollInterval());
        }
    }

    /** A webhook endpoint's secret document: the current {@code whsec_} secret and, during an overlap, the previous one. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record WebhookSecretDocument(
            @JsonProperty("schema") String schema,
            @JsonProperty("current") String current,
            @JsonProperty("previous") String previous,
            @JsonProperty("previous_valid_until") Instant previousValidUntil) {

        @Override
        public String toString() {
            return "WebhookSecretDocument[secrets redacted, previous_valid_until=" + previousValidUntil + "]";
        }
    }

    /**
     * The secret's JSON document, a contract with hosts that read the vault directly (docs/TOKEN-DOCUMENT.md); field
     * names follow OAuth's token response. {@code schema} is {@value #SCHEMA_ACCESS_TOKEN_CURRENT} or
     * {@value #SCHEMA_ACCESS_TOKEN_AS_WRITTEN}, which differ only in how current the access token is kept; documents written
     * before the field existed have none and are version 1. Both versions hold every field, so the previous release's
     * reader, which needs {@code access_token}, {@code refresh_token} and {@code expires_at}, reads either.
     */
    @RegisterForReflection
    // a field added by a newer release must not make an older one, after a rollback, lose every integration
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record TokenDocument(
            @JsonProperty("schema") Integer schema,
            @JsonProperty("access_token") String accessToken,
            @JsonProperty("refresh_token") String refreshToken,
            @JsonProperty("expires_at") Instant expiresAt,
            @JsonProperty("scope") String scope,
            @JsonProperty("token_type") String tokenType) {

        @Override
        public String toString() {
            return "TokenDocument[tokens redacted, expires_at=" + expiresAt + "]";
        }
    }
}
