package dev.oauthrefresher.tenant;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import dev.oauthrefresher.web.QueryParams;
import dev.oauthrefresher.audit.AuditTrail;
import dev.oauthrefresher.web.Problem;
import dev.oauthrefresher.web.ProblemException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Admin API: one tenant's audit trail, newest first, a page at a time ({@code nextCursor} goes back as
 * {@code before}). Rows name who did what (an admin token's name, a key's id, {@code system}), never a secret.
 */
@RolesAllowed("admin")
@Path("/admin/tenants/{tenantId}/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "tenants")
@SecurityRequirement(name = "bearer")
public class TenantAuditResource {

    /** Most rows one page may hold. */
    static final int MAX_LIMIT = 500;

    private final TenantService service;

    TenantAuditResource(TenantService service) {
        this.service = service;
    }

    @GET
    @APIResponse(responseCode = "200", description = "A page of the trail, newest first; nextCursor is null on the last page")
    @APIResponse(responseCode = "400", description = "Invalid before or limit (named in the problem)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such tenant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @Operation(operationId = "readTenantAudit", summary = "Read a tenant's audit trail",
            description = "The tenant's audit trail, newest first, in pages: who (a named admin token or an API key) did what to which integration, and when. Pass nextCursor to get the next page.")
    public AuditTrail.AuditPage read(@PathParam("tenantId") String tenantId,
            @Parameter(description = "The nextCursor of the previous page; absent for the newest rows")
            @QueryParam("before") String before,
            @Parameter(description = "Rows per page, 1 to " + MAX_LIMIT, schema = @Schema(type = SchemaType.INTEGER, defaultValue = "100"))
            @QueryParam("limit") @DefaultValue("100") String limitParam) {
        int limit = QueryParams.wholeNumber("limit", limitParam, 1, MAX_LIMIT);
        Optional<AuditTrail.Cursor> cursor = Optional.empty();
        if (before != null) {
            cursor = Optional.of(AuditTrail.Cursor.parse(before).orElseThrow(() -> ProblemException.invalidField("before",
                    "is not a cursor this API returned (use a page's nextCursor)")));
        }
        return service.auditTrail(tenantId, cursor, limit);
    }
}
