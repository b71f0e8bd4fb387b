package dev.oauthrefresher.web;

import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps the application's own {@link ProblemException} to its problem body and headers. */
public class ProblemExceptionMapper {

    @ServerExceptionMapper
    public Response map(ProblemException e) {
        return responseOf(e);
    }

    /** The answer {@code e} stands for, for mappers that translate another exception into a problem. */
    public static Response responseOf(ProblemException e) {
        Response.ResponseBuilder builder = Response.status(e.status())
                .type(Problem.MEDIA_TYPE)
                .entity(e.toProblem());
        e.headers().forEach(builder::header);
        return builder.build();
    }
}
