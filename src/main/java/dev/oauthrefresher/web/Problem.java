package dev.oauthrefresher.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * An RFC 9457 problem body. {@code type} is a stable, documented URI-ish slug clients can switch on;
 * {@code detail} is a precise, human-readable message that never carries a secret or a class name.
 * Registered for reflection because mappers return it inside a {@code Response}, whose entity type Quarkus
 * cannot see at build time, so a native image would otherwise serialize it without its fields.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<Violation> violations) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** One invalid field of a request. */
    public record Violation(String field, String message) {
    }

    public static Problem of(int status, String type, String title, String detail) {
        return new Problem("urn:oauth-refresher:problem:" + type, title, status, detail, List.of());
    }

    /** The same problem, naming the invalid fields. */
    public Problem withViolations(List<Violation> invalid) {
        return new Problem(type, title, status, detail, invalid);
    }
}
