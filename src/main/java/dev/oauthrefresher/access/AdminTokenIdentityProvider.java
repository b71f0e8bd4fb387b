package dev.oauthrefresher.access;

import dev.oauthrefresher.audit.AuditLog;
import dev.oauthrefresher.access.BearerAuthenticationRequest.ForAdminToken;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.web.ProblemException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Turns one of {@code refresher.admin.named-tokens.<name>} or {@code refresher.admin.tokens} into the operator's
 * identity: role {@value #ROLE}, principal the token's name ({@code admin:<name>} for a named token, {@link #nameOf}
 * for one of the plain list), which the audit trail records as the actor. A wrong token costs no query, but it
 * counts against the failed-authentication budget ({@link FailedAuthBudget}) like a wrong key: past it, 429 instead of
 * 401, so guessing admin tokens is throttled too; a configured token is always accepted.
 */
@ApplicationScoped
class AdminTokenIdentityProvider implements IdentityProvider<ForAdminToken> {

    /** The role of every admin token; {@code /admin} resources are {@code @RolesAllowed("admin")}. */
    static final String ROLE = "admin";

    /** What every admin actor's name starts with in the audit trail. */
    static final String NAME_PREFIX = "admin:";

    private record NamedToken(String name, Secret token) {
    }

    private final List<NamedToken> tokens;
    private final FailedAuthBudget failures;

    AdminTokenIdentityProvider(AdminConfig config, FailedAuthBudget failures) {
        List<NamedToken> all = new ArrayList<>();
        config.namedTokens().forEach((name, token) -> all.add(new NamedToken(NAME_PREFIX + name, token)));
        config.tokens().orElse(List.of()).forEach(token -> all.add(new NamedToken(nameOf(token), token)));
        this.tokens = List.copyOf(all);
        this.failures = failures;
    }

    @Override
    public Class<ForAdminToken> getRequestType() {
        return ForAdminToken.class;
    }

    /**
     * Every configured token is compared, each in constant time, so timing tells neither which token nor how much
     * of one matched.
     */
    @Override
    public Uni<SecurityIdentity> authenticate(ForAdminToken request, AuthenticationRequestContext context) {
        String presented = request.presented().reveal();
        NamedToken match = null;
        for (NamedToken candidate : tokens) {
            if (candidate.token().matches(presented) && match == null) {
                match = candidate;
            }
        }
        if (match == null) {
            Optional<ProblemException> spent = failures.take();
            return Uni.createFrom().failure(spent.isPresent() ? spent.get() : new AuthenticationFailedException());
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(match.name()))
                .addRole(ROLE)
                .addAttribute(AuditLog.ACTOR_ATTRIBUTE, match.name())
                .build());
    }

    /**
     * An admin token's name, stable and safe to record: {@code admin:} and the first 8 hex digits of the token's
     * SHA-256 (32 bits of a hash tell nothing usable about a 256-bit token).
     */
    static String nameOf(Secret token) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.reveal().getBytes(StandardCharsets.UTF_8));
            return NAME_PREFIX + HexFormat.of().formatHex(hash, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
