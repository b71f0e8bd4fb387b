package dev.oauthrefresher.access;

import io.quarkus.security.ForbiddenException;

/** A tenant API key lacks the scope a method needs; answered 403 naming the scope ({@link AccessProblemMappers}). */
final class MissingScopeException extends ForbiddenException {

    MissingScopeException(Scope scope) {
        super("This API key lacks the scope '" + scope.code() + "'.");
    }
}
