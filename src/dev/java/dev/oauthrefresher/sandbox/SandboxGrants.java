package dev.oauthrefresher.sandbox;

import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The sandbox provider's memory of the grants users consented to: which refresh token belongs to which grant,
 * and what the grant does when redeemed. Like a real provider it answers an unknown or superseded refresh token
 * with {@code invalid_grant}; a revoked token stays dead even after the user consents again. All state sits behind
 * this object's monitor; every method is short.
 */
@ApplicationScoped
@IfBuildProperty(name = "refresher.sandbox.enabled", stringValue = "true")
public class SandboxGrants {

    private static final Logger LOG = Logger.getLogger(SandboxGrants.class);

    /** What a grant does when its refresh token is redeemed. */
    public enum Behaviour {
        /** A new access token; the refresh token stays (Google's way: the answer has no {@code refresh_token}). */
        KEEP,
        /** A new access token and a new refresh token; the old one is dead from then on. */
        ROTATE,
        /** {@code 503} with {@code Retry-After}: the provider is down for this grant. */
        OUTAGE
    }

    /** Tokens as a consent screen or a refresh hands them out. */
    public record Issued(String accessToken, Optional<String> refreshToken, Duration expiresIn) {
    }

    /** What redeeming a refresh token gives. */
    public sealed interface Redemption {
        record Tokens(Issued issued) implements Redemption {
        }

        /** Unknown, superseded by a rotation, or revoked. */
        record InvalidGrant(String description) implements Redemption {
        }

        record Outage() implements Redemption {
        }
    }

    private record Grant(String name, Behaviour behaviour) {
    }

    private final Duration lifetime;
    private final Map<String, Grant> byRefreshToken = new HashMap<>();
    private final Map<String, String> currentRefreshToken = new HashMap<>();
    /** Revoked refresh tokens and their grants, so the log can say whose token was refused. */
    private final Map<String, String> revoked = new HashMap<>();

    SandboxGrants(SandboxConfig config) {
        this.lifetime = config.accessTokenLifetime();
    }

    /** A user consented (again): a new grant under {@code name}, replacing any earlier one of that name. */
    public synchronized Issued consent(String name, Behaviour behaviour) {
        forget(name);
        String refreshToken = refreshToken();
        byRefreshToken.put(refreshToken, new Grant(name, behaviour));
        currentRefreshToken.put(name, refreshToken);
        LOG.infof("Sandbox: grant '%s' (%s) created", name, behaviour.name().toLowerCase(Locale.ROOT));
        return new Issued(accessToken(), Optional.of(refreshToken), lifetime);
    }

    /** The user removed the app's access at the provider; false if there is no such grant. */
    public synchronized boolean revoke(String name) {
        if (!currentRefreshToken.containsKey(name)) {
            return false;
        }
        String token = currentRefreshToken.remove(name);
        byRefreshToken.remove(token);
        revoked.put(token, name);
        LOG.infof("Sandbox: grant '%s' revoked: its refresh token now gets invalid_grant", name);
        return true;
    }

    public synchronized Redemption redeem(String refreshToken) {
        String revokedGrant = revoked.get(refreshToken);
        if (revokedGrant != null) {
            LOG.infof("Sandbox: grant '%s' is revoked: invalid_grant", revokedGrant);
            return new Redemption.InvalidGrant("The user revoked this grant.");
        }
        Grant grant = byRefreshToken.get(refreshToken);
        if (grant == null) {
            LOG.info("Sandbox: refresh token unknown or superseded by a rotation: invalid_grant");
            return new Redemption.InvalidGrant("The refresh token is unknown or was superseded by a rotation.");
        }
        return switch (grant.behaviour()) {
            case KEEP -> {
                LOG.infof("Sandbox: grant '%s' refreshed", grant.name());
                yield new Redemption.Tokens(new Issued(accessToken(), Optional.empty(), lifetime));
            }
            case ROTATE -> {
                byRefreshToken.remove(refreshToken);
                String next = refreshToken();
                byRefreshToken.put(next, grant);
                currentRefreshToken.put(grant.name(), next);
                LOG.infof("Sandbox: grant '%s' refreshed, refresh token rotated", grant.name());
                yield new Redemption.Tokens(new Issued(accessToken(), Optional.of(next), lifetime));
            }
            case OUTAGE -> {
                LOG.infof("Sandbox: grant '%s' answered 503 (simulated outage)", grant.name());
                yield new Redemption.Outage();
            }
        };
    }

    private void forget(String name) {
        String token = currentRefreshToken.remove(name);
        if (token != null) {
            byRefreshToken.remove(token);
        }
    }

    private static String refreshToken() {
        return "sbx-rt-" + UUID.randomUUID();
    }

    private static String accessToken() {
        return "sbx-at-" + UUID.randomUUID();
    }
}
