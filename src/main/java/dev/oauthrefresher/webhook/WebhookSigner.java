package dev.oauthrefresher.webhook;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.tokenstore.WebhookSecret;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Signs deliveries as the Standard Webhooks specification says, with its reference Java library: {@code
 * webhook-signature} is {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">}, one per valid secret, space-separated.
 */
final class WebhookSigner {

    static final String PREFIX = "whsec_";
    private static final int SECRET_BYTES = 32;

    private WebhookSigner() {
    }

    /**
     * A new {@code whsec_} secret of 32 random bytes. The generator is made per call, never held in a static field:
     * a native build initialises classes at build time and would freeze a static generator's seed into the image.
     */
    static Secret newSecret() {
        byte[] key = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(key);
        return Secret.of(PREFIX + Base64.getEncoder().encodeToString(key));
    }

    /** The {@code webhook-signature} value: the current secret's signature, then the previous one's while it overlaps. */
    static String signature(String webhookId, long timestampSeconds, String payload, WebhookSecret secret, Instant now) {
        List<String> signatures = new ArrayList<>();
        signatures.add(sign(secret.current(), webhookId, timestampSeconds, payload));
        secret.previousAt(now).ifPresent(previous -> signatures.add(sign(previous, webhookId, timestampSeconds, payload)));
        return String.join(" ", signatures);
    }

    private static String sign(Secret secret, String webhookId, long timestampSeconds, String payload) {
        try {
            return new Webhook(secret.reveal()).sign(webhookId, timestampSeconds, payload);
        } catch (WebhookSigningException e) {
            // the library's message may name the key material: keep only the type
            throw new IllegalStateException("Could not sign a webhook delivery (" + e.getClass().getSimpleName() + ")");
        }
    }
}
