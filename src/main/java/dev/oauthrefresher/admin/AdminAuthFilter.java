package dev.oauthrefresher.admin;

import dev.oauthrefresher.common.BearerTokens;
import dev.oauthrefresher.web.ProblemException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Refuses admin calls without one of the configured admin bearer tokens, before any body is read. */
public class AdminAuthFilter {

    private final AdminConfig config;

    AdminAuthFilter(AdminConfig config) {
        this.config = config;
    }

    @AdminApi
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION, preMatching = false)
    public void authenticate(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (!BearerTokens.accepts(header, config.tokens().orElse(List.of()))) {
            throw ProblemException.unauthorized();
        }
    }
}
