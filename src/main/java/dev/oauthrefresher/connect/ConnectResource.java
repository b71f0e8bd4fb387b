package dev.oauthrefresher.connect;

import dev.oauthrefresher.connect.ConnectService.Callback;
import dev.oauthrefresher.connect.ConnectService.Step;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The hosted consent's browser side, public on purpose: the session in the link is the capability, and the callback is
 * bound to the browser that opened it. Every answer is {@code no-store}, unframable and sends no referrer; none carries
 * a code, a token, the state or the verifier except the redirect to the provider, which must carry the state.
 */
@PermitAll
@Path("/connect")
@Tag(name = "connect")
public class ConnectResource {

    /** The cookie binding the callback to the browser that opened the session. */
    static final String BINDING_COOKIE = "refresher_connect";

    private final ConnectService service;
    private final ConnectUrls urls;

    ConnectResource(ConnectService service, ConnectUrls urls) {
        this.service = service;
        this.urls = urls;
    }

    @GET
    @Path("callback")
    @Produces(MediaType.TEXT_HTML)
    @Operation(operationId = "connectCallback", summary = "Where the provider sends the user back", description = "Exchanges the code, stores the grant "
            + "and redirects to the app's redirect URI with outcome or error; a page when the state is unknown.")
    @APIResponse(responseCode = "302", description = "Back to the app's redirect URI, with outcome or error")
    @APIResponse(responseCode = "400", description = "Unknown state: a plain page (no redirect can be trusted)")
    public RestResponse<String> callback(@QueryParam("state") String state, @QueryParam("code") String code,
            @QueryParam("error") String error, @CookieParam(BINDING_COOKIE) String binding) {
        return answer(service.callback(new Callback(Optional.ofNullable(state), Optional.ofNullable(code),
                Optional.ofNullable(error), Optional.ofNullable(binding))));
    }

    @GET
    @Path("{session}")
    @Produces(MediaType.TEXT_HTML)
    @Operation(operationId = "openConnectSession", summary = "Open a connect session", description = "Sends the user's browser to the provider's consent, "
            + "once; a used or expired session goes back to the app's redirect URI with the error.")
    @APIResponse(responseCode = "302", description = "To the provider's authorization endpoint, or back to the app")
    @APIResponse(responseCode = "404", description = "Unknown session: a plain page")
    public RestResponse<String> open(@PathParam("session") String session) {
        return answer(service.open(session));
    }

    private RestResponse<String> answer(Step step) {
        RestResponse.ResponseBuilder<String> response;
        if (step instanceof Step.Redirect redirect) {
            response = RestResponse.ResponseBuilder.<String>create(RestResponse.Status.FOUND).location(redirect.location());
            redirect.setBinding().ifPresent(value -> response.header("Set-Cookie",
                    cookie(value, service.bindingLifetime().toSeconds())));
            if (redirect.clearBinding()) {
                response.header("Set-Cookie", cookie("", 0));
            }
        } else {
            Step.Page page = (Step.Page) step;
            response = RestResponse.ResponseBuilder.<String>create(page.status()).type("text/html; charset=utf-8")
                    .entity(ConnectPage.of(page.message()));
        }
        return response.header("Cache-Control", "no-store")
                .header("Pragma", "no-cache")
                .header("X-Frame-Options", "DENY")
                .header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
                .header("Referrer-Policy", "no-referrer")
                .header("X-Content-Type-Options", "nosniff")
                .build();
    }

    /**
     * {@code SameSite=Lax}: the provider's redirect back is a top-level GET from another site, which Lax lets the cookie
     * ride on; a cross-site subrequest does not. Only the callback's path gets it.
     */
    private String cookie(String value, long maxAgeSeconds) {
        return BINDING_COOKIE + "=" + value + "; Path=" + urls.callback().getRawPath() + "; Max-Age=" + maxAgeSeconds
                + "; HttpOnly; SameSite=Lax" + (service.secureCookies() ? "; Secure" : "");
    }
}
