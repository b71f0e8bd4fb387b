package dev.oauthrefresher.sandbox;

import dev.oauthrefresher.sandbox.SandboxAuthorizations.Pending;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The sandbox provider's consent screen, dev mode only, so {@code ./mvnw quarkus:dev} shows a connect session end to
 * end in a browser: the authorization endpoint (RFC 6749 section 4.1.1, PKCE S256 required) with an approve / deny
 * page, the userinfo endpoint the connect callback asks who consented, and a stand-in for the host app's page the
 * browser lands on.
 *
 * <p>The page's form carries no state and no redirect URI, only a one-time 256-bit handle of the request held here, so
 * a forged POST has nothing to name; a cross-site POST from a browser is refused ({@code Sec-Fetch-Site}); every page
 * is {@code no-store} and unframable. There is no login: the user types the account to consent as, as in a demo.
 */
@PermitAll
@Path("/dev/sandbox")
@Tag(name = "sandbox (dev mode only)")
@IfBuildProperty(name = "refresher.sandbox.enabled", stringValue = "true")
public class SandboxConsentResource {

    /** The account the page suggests, unless the request's {@code login_hint} names one. */
    static final String DEFAULT_ACCOUNT = "you@demo.test";
    private static final Pattern ACCOUNT = Pattern.compile("^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}$");

    private final SandboxAuthorizations authorizations;
    private final SandboxConfig config;

    SandboxConsentResource(SandboxAuthorizations authorizations, SandboxConfig config) {
        this.authorizations = authorizations;
        this.config = config;
    }

    @GET
    @Path("authorize")
    @Produces(MediaType.TEXT_HTML)
    public Response authorize(@QueryParam("response_type") String responseType, @QueryParam("client_id") String clientId,
            @QueryParam("redirect_uri") String redirectUri, @QueryParam("scope") String scope,
            @QueryParam("state") String state, @QueryParam("code_challenge") String codeChallenge,
            @QueryParam("code_challenge_method") String codeChallengeMethod, @QueryParam("login_hint") String loginHint) {
        // RFC 6749 section 4.1.2.1: an unknown client or an unregistered redirect URI gets a page, never a redirect
        if (!config.clientId().equals(clientId)) {
            return page(400, "Unknown client", "<p>The sandbox knows no client '" + escape(clientId) + "'.</p>");
        }
        if (authorizations.registeredRedirectUri().filter(uri -> uri.equals(redirectUri)).isEmpty()) {
            return page(400, "Unregistered redirect URI", "<p>The sandbox client's one redirect URI is the connect "
                    + "callback under refresher.connect.public-url; this request named another.</p>");
        }
        if (!"code".equals(responseType)) {
            return refuse(redirectUri, "unsupported_response_type", state);
        }
        if (codeChallenge == null || codeChallenge.isBlank() || !"S256".equals(codeChallengeMethod)) {
            return refuse(redirectUri, "invalid_request", state);
        }
        String account = loginHint != null && ACCOUNT.matcher(loginHint).matches() ? loginHint : DEFAULT_ACCOUNT;
        String handle = authorizations.hold(new Pending(clientId, redirectUri, scope == null ? "" : scope, state,
                codeChallenge, Instant.now().plus(SandboxAuthorizations.REQUEST_LIFETIME)));
        return consentPage(200, handle, authorizations.peek(handle).orElseThrow(), account, "");
    }

    @POST
    @Path("authorize")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Response decide(@FormParam("request") String handle, @FormParam("account") String account,
            @FormParam("decision") String decision, @HeaderParam("Sec-Fetch-Site") String fetchSite) {
        // a browser says where a form post came from; only this page may post it (curl says nothing, and may)
        if (fetchSite != null && !fetchSite.equals("same-origin")) {
            return page(403, "Refused", "<p>The consent form can only be sent from its own page.</p>");
        }
        if (authorizations.peek(handle).isEmpty()) {
            return page(400, "Consent expired", "<p>This consent request is unknown, already decided or expired. Go back "
                    + "to the application and start again.</p>");
        }
        if ("approve".equals(decision)) {
            if (account == null || !ACCOUNT.matcher(account).matches()) {
                return consentPage(400, handle, authorizations.peek(handle).orElseThrow(), "",
                        "<p class=\"error\">Type an account such as " + DEFAULT_ACCOUNT + ".</p>");
            }
            Optional<Pending> request = authorizations.take(handle);
            if (request.isEmpty()) {
                return page(400, "Consent expired", "<p>This consent request was decided meanwhile.</p>");
            }
            String code = authorizations.approve(request.get(), account);
            Map<String, String> query = new LinkedHashMap<>();
            query.put("code", code);
            Optional.ofNullable(request.get().state()).ifPresent(state -> query.put("state", state));
            return redirect(request.get().redirectUri(), query);
        }
        if ("deny".equals(decision)) {
            return authorizations.take(handle).map(request -> refuse(request.redirectUri(), "access_denied", request.state()))
                    .orElseGet(() -> page(400, "Consent expired", "<p>This consent request was decided meanwhile.</p>"));
        }
        return consentPage(400, handle, authorizations.peek(handle).orElseThrow(), account == null ? "" : account,
                "<p class=\"error\">Choose Approve or Deny.</p>");
    }

    /** OpenID Connect Core section 5.3, for access tokens issued for a code: who consented. */
    @GET
    @Path("userinfo")
    @Produces(MediaType.APPLICATION_JSON)
    public Response userinfo(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        Optional<String> account = Optional.ofNullable(authorization)
                .filter(a -> a.regionMatches(true, 0, "Bearer ", 0, 7))
                .flatMap(a -> authorizations.holder(a.substring(7).trim()));
        if (account.isEmpty()) {
            return Response.status(401).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"").build();
        }
        return Response.ok(Map.of("sub", account.get(), "email", account.get(), "email_verified", true))
                .header(HttpHeaders.CACHE_CONTROL, "no-store").build();
    }

    /** A stand-in for the host app's page a connect session ends on: what the redirect told it. */
    @GET
    @Path("connected")
    @Produces(MediaType.TEXT_HTML)
    public Response connected(@QueryParam("integration_id") String integrationId, @QueryParam("outcome") String outcome,
            @QueryParam("error") String error) {
        String body = outcome != null
                ? "<p id=\"outcome\">" + escape(outcome) + "</p><p>Integration <code id=\"integration\">"
                        + escape(integrationId) + "</code></p>"
                : "<p id=\"error\">" + escape(error) + "</p>";
        return page(200, "Your app: " + (outcome != null ? "connected" : "not connected"), body
                + "<p>This page stands in for your app's redirect URI: it got <code>integration_id</code> and "
                + "<code>outcome</code>, or <code>error</code>.</p>");
    }

    private Response consentPage(int status, String handle, Pending request, String account, String message) {
        String scopes = request.scope().isBlank() ? "<li>(none)</li>"
                : Arrays.stream(request.scope().split(" ")).map(s -> "<li>" + escape(s) + "</li>")
                        .collect(Collectors.joining());
        return page(status, "Sandbox provider: consent", message
                + "<p><strong>" + escape(request.clientId()) + "</strong> (oauth-refresher, for your app) asks for:</p>"
                + "<ul id=\"scopes\">" + scopes + "</ul>"
                + "<form method=\"post\" action=\"authorize\">"
                + "<input type=\"hidden\" name=\"request\" value=\"" + escape(handle) + "\">"
                + "<p><label>Account <input id=\"account\" name=\"account\" value=\"" + escape(account)
                + "\" size=\"40\"></label></p>"
                + "<button id=\"approve\" name=\"decision\" value=\"approve\">Approve</button> "
                + "<button id=\"deny\" name=\"decision\" value=\"deny\">Deny</button>"
                + "</form>");
    }

    private static Response refuse(String redirectUri, String error, String state) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("error", error);
        Optional.ofNullable(state).ifPresent(s -> query.put("state", s));
        return redirect(redirectUri, query);
    }

    private static Response redirect(String base, Map<String, String> query) {
        String encoded = query.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return secured(Response.status(302).location(URI.create(base + (base.contains("?") ? "&" : "?") + encoded)));
    }

    private static Response page(int status, String title, String body) {
        String html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title><style>body{font-family:sans-serif;max-width:40em;margin:2em auto}.error{color:#b00}</style>"
                + "</head><body><h1>" + escape(title) + "</h1>" + body + "</body></html>";
        return secured(Response.status(status).type("text/html; charset=utf-8").entity(html));
    }

    /** As the hosted consent's pages: never cached, never framed, no referrer (the URL carries the state). */
    private static Response secured(Response.ResponseBuilder response) {
        return response.header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header("Pragma", "no-cache")
                .header("X-Frame-Options", "DENY")
                .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
                .header("Referrer-Policy", "no-referrer")
                .header("X-Content-Type-Options", "nosniff")
                .build();
    }

    private static String escape(String text) {
        if (text == null) {
            return "";
        }
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
