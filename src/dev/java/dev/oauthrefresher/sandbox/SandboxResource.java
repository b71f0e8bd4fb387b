package dev.oauthrefresher.sandbox;

import dev.oauthrefresher.sandbox.SandboxAuthorizations.CodeRedemption;
import dev.oauthrefresher.sandbox.SandboxGrants.Behaviour;
import dev.oauthrefresher.sandbox.SandboxGrants.Issued;
import dev.oauthrefresher.sandbox.SandboxGrants.Redemption;
import dev.oauthrefresher.web.ProblemException;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.annotation.security.PermitAll;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The sandbox provider's HTTP side, dev mode only: an OAuth 2.0 token endpoint (RFC 6749 section 6, refresh grant;
 * section 4.1.3, codes from the consent page with PKCE; {@code client_secret_post} or {@code client_secret_basic}) that
 * the provider group {@code sandbox} calls through the real client, plus the user's side of the provider: consenting
 * without a browser (which hands out tokens, as a consent screen does) and revoking.
 */
@PermitAll
@Path("/dev/sandbox")
@Tag(name = "sandbox (dev mode only)")
@IfBuildProperty(name = "refresher.sandbox.enabled", stringValue = "true")
public class SandboxResource {

    /**
     * {@code POST /dev/sandbox/grants}: a user consents (again) to grant {@code grant}; {@code behaviour} is keep
     * (default), rotate or outage.
     */
    public record Consent(
            @NotNull @Pattern(regexp = "^[a-z0-9][a-z0-9-]{0,62}$", message = "must be 1-63 lowercase letters, digits or dashes")
            String grant,
            @Pattern(regexp = "^(keep|rotate|outage)$", message = "must be one of keep, rotate, outage") String behaviour) {
    }

    private final SandboxGrants grants;
    private final SandboxAuthorizations authorizations;
    private final SandboxConfig config;

    SandboxResource(SandboxGrants grants, SandboxAuthorizations authorizations, SandboxConfig config) {
        this.grants = grants;
        this.authorizations = authorizations;
        this.config = config;
    }

    @POST
    @Path("token")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    public Response token(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @FormParam("grant_type") String grantType, @FormParam("refresh_token") String refreshToken,
            @FormParam("client_id") String clientId, @FormParam("client_secret") String clientSecret,
            @FormParam("code") String code, @FormParam("redirect_uri") String redirectUri,
            @FormParam("code_verifier") String codeVerifier) {
        if (!authenticated(authorization, clientId, clientSecret)) {
            return error(401, "invalid_client", "Client authentication failed.")
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"sandbox\"").build();
        }
        if ("authorization_code".equals(grantType)) {
            return exchange(code, redirectUri, codeVerifier);
        }
        if (!"refresh_token".equals(grantType)) {
            return error(400, "unsupported_grant_type", "The sandbox supports grant_type=refresh_token and "
                    + "authorization_code only.").build();
        }
        if (refreshToken == null || refreshToken.isBlank()) {
            return error(400, "invalid_request", "refresh_token is required.").build();
        }
        Redemption redemption = grants.redeem(refreshToken);
        if (redemption instanceof Redemption.Tokens tokens) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("access_token", tokens.issued().accessToken());
            body.put("token_type", "Bearer");
            body.put("expires_in", tokens.issued().expiresIn().toSeconds());
            tokens.issued().refreshToken().ifPresent(token -> body.put("refresh_token", token));
            return Response.ok(body).header(HttpHeaders.CACHE_CONTROL, "no-store").build();
        }
        if (redemption instanceof Redemption.InvalidGrant invalid) {
            return error(400, "invalid_grant", invalid.description()).build();
        }
        return error(503, "temporarily_unavailable", "The sandbox simulates an outage for this grant.")
                .header("Retry-After", "30").build();
    }

    /**
     * RFC 6749 section 4.1.3: a code from the consent page ({@link SandboxConsentResource}) for a new grant of the
     * account that approved it (replacing that account's earlier grant, as a fresh consent does), with a refresh token.
     */
    private Response exchange(String code, String redirectUri, String codeVerifier) {
        CodeRedemption redemption = authorizations.redeem(code, config.clientId(), redirectUri, codeVerifier);
        if (redemption instanceof CodeRedemption.Refused refused) {
            return error(400, refused.error(), refused.description()).build();
        }
        CodeRedemption.Approved approved = (CodeRedemption.Approved) redemption;
        Issued issued = grants.consent(approved.account(), Behaviour.KEEP);
        authorizations.issuedTo(issued.accessToken(), approved.account());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", issued.accessToken());
        body.put("token_type", "Bearer");
        body.put("expires_in", issued.expiresIn().toSeconds());
        body.put("refresh_token", issued.refreshToken().orElseThrow());
        body.put("scope", approved.scope());
        return Response.ok(body).header(HttpHeaders.CACHE_CONTROL, "no-store").build();
    }

    @POST
    @Path("grants")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response consent(@Valid @NotNull Consent consent) {
        Behaviour behaviour = Optional.ofNullable(consent.behaviour())
                .map(b -> Behaviour.valueOf(b.toUpperCase(Locale.ROOT))).orElse(Behaviour.KEEP);
        Issued issued = grants.consent(consent.grant(), behaviour);
        // shaped as the body that registers or reconnects an integration, so the tokens can be passed on as they are
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accessToken", issued.accessToken());
        body.put("refreshToken", issued.refreshToken().orElseThrow());
        body.put("accessTokenExpiresAt", Instant.now().plus(issued.expiresIn()).toString());
        body.put("tokenType", "Bearer");
        return Response.status(201).entity(body).build();
    }

    @POST
    @Path("grants/{grant}/revoke")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> revoke(@PathParam("grant") String grant) {
        if (!grants.revoke(grant)) {
            throw ProblemException.notFound("The sandbox has no grant '" + grant + "'.");
        }
        return Map.of("grant", grant, "revoked", true);
    }

    private boolean authenticated(String authorization, String clientId, String clientSecret) {
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return false;
            }
            int colon = decoded.indexOf(':');
            return colon > 0 && accepts(decoded.substring(0, colon), decoded.substring(colon + 1));
        }
        return accepts(clientId, clientSecret);
    }

    private boolean accepts(String clientId, String clientSecret) {
        return config.clientId().equals(clientId) && config.clientSecret().matches(clientSecret);
    }

    private static Response.ResponseBuilder error(int status, String code, String description) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", code, "error_description", description));
    }
}
