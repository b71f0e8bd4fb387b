package dev.oauthrefresher.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns malformed requests into precise {@code application/problem+json} answers: which field, what was
 * wrong. Jackson's own messages are not passed through because they can echo the offending input.
 */
public class RequestProblemMappers {

    @ServerExceptionMapper
    public Response invalidBean(ConstraintViolationException e) {
        List<Problem.Violation> violations = violationsOf(e);
        return ProblemExceptionMapper.responseOf(new ProblemException(ProblemType.INVALID_REQUEST, detailOf(violations), violations));
    }

    @ServerExceptionMapper
    public Response mismatchedJson(MismatchedInputException e) {
        return unreadableJson(e);
    }

    @ServerExceptionMapper
    public Response unreadableJson(JsonProcessingException e) {
        return ProblemExceptionMapper.responseOf(new ProblemException(ProblemType.INVALID_REQUEST, detailOf(e)));
    }

    /** What was wrong with an unreadable JSON body, without echoing the input. */
    public static String detailOf(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            return "Unknown field '" + u.getPropertyName() + "'.";
        }
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            return "Field '" + pathOf(m) + "' has the wrong type or format.";
        }
        return "The request body is not valid JSON.";
    }

    /** Each invalid field with its message, in field order. */
    public static List<Problem.Violation> violationsOf(ConstraintViolationException e) {
        return e.getConstraintViolations().stream()
                .map(v -> new Problem.Violation(fieldOf(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.Violation::field))
                .toList();
    }

    public static String detailOf(List<Problem.Violation> violations) {
        return violations.stream().map(v -> v.field() + ": " + v.message()).collect(Collectors.joining("; "));
    }

    /**
     * The framework's own refusals (no such route, a method or media type a resource does not take), named after their
     * status's reason phrase: they are not this service's problems, so they are not in {@link ProblemType}.
     */
    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        // the JSON reader wraps some parse failures (a body cut short) in a plain 400: they are this service's
        // invalid-request, as when Jackson's exception reaches the mapper above
        for (Throwable cause = e.getCause(); status == 400 && cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonProcessingException json) {
                return unreadableJson(json);
            }
        }
        String title = Response.Status.fromStatusCode(status) != null
                ? Response.Status.fromStatusCode(status).getReasonPhrase()
                : "Error";
        String detail = switch (status) {
            case 404 -> "No such resource.";
            case 405 -> "Method not allowed on this resource.";
            case 406 -> "This resource answers application/json only.";
            case 413 -> "The request body is too large.";
            case 415 -> "Send the body as application/json.";
            default -> title + ".";
        };
        Response.ResponseBuilder builder = Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(status, title.toLowerCase().replace(' ', '-'), title, detail));
        e.getResponse().getHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Content-Type") && !name.equalsIgnoreCase("Content-Length")) {
                values.forEach(v -> builder.header(name, v));
            }
        });
        return builder.build();
    }

    private static String pathOf(JsonMappingException m) {
        return m.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static String fieldOf(ConstraintViolation<?> v) {
        // Validation paths start with the method and parameter name ("create.request.name"): keep the
        // part a client sent.
        List<String> nodes = StreamSupport.stream(v.getPropertyPath().spliterator(), false)
                .map(Path.Node::getName)
                .filter(n -> n != null && !n.isEmpty())
                .toList();
        return nodes.size() > 2 ? String.join(".", nodes.subList(2, nodes.size())) : nodes.isEmpty() ? "" : nodes.get(nodes.size() - 1);
    }
}
