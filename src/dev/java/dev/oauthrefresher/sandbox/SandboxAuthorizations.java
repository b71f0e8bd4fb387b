package dev.oauthrefresher.sandbox;

import dev.oauthrefresher.connect.ConnectConfig;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The sandbox provider's authorization side (RFC 6749 section 4.1, PKCE of RFC 7636): authorization requests waiting
 * on the user's approve or deny, the codes an approval issues (single use, one minute, S256 only), and which account
 * each access token issued for a code belongs to (for the userinfo endpoint). Like {@link SandboxGrants} it is memory
 * only, behind this object's monitor; every entry expires and is purged on the next write.
 */
@ApplicationScoped
@IfBuildProperty(name = "refresher.sandbox.enabled", stringValue = "true")
public class SandboxAuthorizations {

    private static final Logger LOG = Logger.getLogger(SandboxAuthorizations.class);
    /** How long the consent page waits for the user's click: a provider's login page lasts about as long. */
    static final Duration REQUEST_LIFETIME = Duration.ofMinutes(10);
    /** RFC 6749 section 4.1.2 recommends at most ten minutes; the callback redeems a code at once. */
    static final Duration CODE_LIFETIME = Duration.ofMinutes(1);

    /** An authorization request the consent page shows, until the user decides. */
    public record Pending(String clientId, String redirectUri, String scope, String state, String codeChallenge,
            Instant expiresAt) {

        @Override
        public String toString() {
            return "Pending[clientId=" + clientId + ", scope=" + scope + "]";
        }
    }

    private record Code(String clientId, String redirectUri, String scope, String codeChallenge, String account,
            Instant expiresAt) {
    }

    private record Holder(String account, Instant expiresAt) {
    }

    /** What redeeming a code gives: the account and scope it was approved for, or why not. */
    public sealed interface CodeRedemption {
        record Approved(String account, String scope) implements CodeRedemption {
        }

        record Refused(String error, String description) implements CodeRedemption {
        }
    }

    private final Optional<String> callback;
    private final Duration accessTokenLifetime;
    // per instance, never static: a native image would freeze a static generator's seed
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Pending> pending = new HashMap<>();
    private final Map<String, Code> codes = new HashMap<>();
    private final Map<String, Holder> accessTokens = new HashMap<>();

    SandboxAuthorizations(ConnectConfig connect, SandboxConfig config) {
        // the one redirect URI the sandbox client has registered: the hosted consent's callback on this instance
        this.callback = connect.publicUrl().map(url -> url.toString().replaceAll("/+$", "") + "/connect/callback");
        this.accessTokenLifetime = config.accessTokenLifetime();
    }

    /** The registered redirect URI of the sandbox client; empty when connect sessions are off (no public URL). */
    public Optional<String> registeredRedirectUri() {
        return callback;
    }

    /** Holds an authorization request for the consent page; the answer is the page's one-time handle for it. */
    public synchronized String hold(Pending request) {
        purge(Instant.now());
        String handle = randomToken();
        pending.put(handle, request);
        return handle;
    }

    /** The held request, without taking it (the page is shown again after a wrong account). */
    public synchronized Optional<Pending> peek(String handle) {
        return Optional.ofNullable(handle).map(pending::get).filter(p -> p.expiresAt().isAfter(Instant.now()));
    }

    /** Takes the held request: a decision is made once. */
    public synchronized Optional<Pending> take(String handle) {
        return Optional.ofNullable(handle).map(pending::remove).filter(p -> p.expiresAt().isAfter(Instant.now()));
    }

    /** The user approved {@code request} as {@code account}: a code for the client's redirect URI. */
    public synchronized String approve(Pending request, String account) {
        Instant now = Instant.now();
        purge(now);
        String code = randomToken();
        codes.put(code, new Code(request.clientId(), request.redirectUri(), request.scope(), request.codeChallenge(),
                account, now.plus(CODE_LIFETIME)));
        LOG.infof("Sandbox: %s approved scopes '%s' for client %s", account, request.scope(), request.clientId());
        return code;
    }

    /**
     * Redeems a code once (RFC 6749 section 4.1.3): gone after the first attempt, whatever its outcome; refused when
     * expired, issued to another client or redirect URI, or when the verifier does not hash to the challenge.
     */
    public synchronized CodeRedemption redeem(String code, String clientId, String redirectUri, String verifier) {
        Code issued = code == null ? null : codes.remove(code);
        if (issued == null || !issued.expiresAt().isAfter(Instant.now())) {
            return new CodeRedemption.Refused("invalid_grant", "The code is unknown, used or expired.");
        }
        if (!issued.clientId().equals(clientId) || !issued.redirectUri().equals(redirectUri)) {
            return new CodeRedemption.Refused("invalid_grant", "The code was issued to another client or redirect_uri.");
        }
        if (verifier == null || !MessageDigest.isEqual(
                challenge(verifier).getBytes(StandardCharsets.US_ASCII),
                issued.codeChallenge().getBytes(StandardCharsets.US_ASCII))) {
            return new CodeRedemption.Refused("invalid_grant", "The code_verifier does not match the code_challenge.");
        }
        return new CodeRedemption.Approved(issued.account(), issued.scope());
    }

    /** Remembers whose access token this is, for the userinfo endpoint, as long as the token lives. */
    public synchronized void issuedTo(String accessToken, String account) {
        Instant now = Instant.now();
        purge(now);
        accessTokens.put(accessToken, new Holder(account, now.plus(accessTokenLifetime)));
    }

    /** The account a live access token issued for a code belongs to. */
    public synchronized Optional<String> holder(String accessToken) {
        return Optional.ofNullable(accessToken).map(accessTokens::get)
                .filter(h -> h.expiresAt().isAfter(Instant.now())).map(Holder::account);
    }

    /** RFC 7636 section 4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
    static String challenge(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private void purge(Instant now) {
        pending.values().removeIf(p -> !p.expiresAt().isAfter(now));
        codes.values().removeIf(c -> !c.expiresAt().isAfter(now));
        accessTokens.values().removeIf(h -> !h.expiresAt().isAfter(now));
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
