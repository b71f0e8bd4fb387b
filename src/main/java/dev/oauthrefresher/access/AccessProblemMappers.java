package dev.oauthrefresher.access;

import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemExceptionMapper;
import dev.oauthrefresher.web.ProblemType;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The security checks' refusals as problems: 401 with {@code WWW-Authenticate: Bearer} without a valid key or
 * token, 403 naming the missing scope. What the mechanism decides itself (429 past the key's rate, 503 when the key
 * could not be looked up) is a {@link ProblemException} and reaches its own mapper unchanged.
 */
public class AccessProblemMappers {

    @ServerExceptionMapper
    public Response unauthenticated(UnauthorizedException e) {
        return ProblemExceptionMapper.responseOf(ProblemException.unauthorized());
    }

    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e) {
        return ProblemExceptionMapper.responseOf(ProblemException.unauthorized());
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        if (e instanceof MissingScopeException) {
            return ProblemExceptionMapper.responseOf(
                    new ProblemException(ProblemType.MISSING_SCOPE, e.getMessage()));
        }
        return ProblemExceptionMapper.responseOf(new ProblemException(ProblemType.FORBIDDEN,
                "This caller may not call this endpoint."));
    }
}
