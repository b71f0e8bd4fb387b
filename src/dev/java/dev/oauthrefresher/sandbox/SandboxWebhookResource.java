package dev.oauthrefresher.sandbox;

import dev.oauthrefresher.sandbox.SandboxWebhooks.ReceivedPage;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Dev mode only: the demo tenant's webhook receiver ({@code POST}, where the demo endpoint delivers) and what it
 * has received ({@code GET}), so the walkthrough can show the events a status change sends.
 */
@PermitAll
@Path("/dev/sandbox/webhooks")
@Tag(name = "sandbox (dev mode only)")
@IfBuildProperty(name = "refresher.sandbox.enabled", stringValue = "true")
public class SandboxWebhookResource {

    private final SandboxWebhooks webhooks;

    SandboxWebhookResource(SandboxWebhooks webhooks) {
        this.webhooks = webhooks;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response receive(@HeaderParam("webhook-id") String webhookId,
            @HeaderParam("webhook-timestamp") String timestamp, @HeaderParam("webhook-signature") String signature,
            String body) {
        if (!webhooks.receive(webhookId, timestamp, signature, body)) {
            throw new ProblemException(ProblemType.BAD_WEBHOOK_SIGNATURE,
                    "The webhook-signature header does not verify with the demo endpoint's secret.");
        }
        return Response.noContent().build();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ReceivedPage received() {
        return webhooks.received();
    }
}
