package dev.oauthrefresher.tokenstore;

import dev.oauthrefresher.common.Secret;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The signing secrets of one webhook endpoint, as kept in the token store. After a rotation the previous secret
 * stays valid until {@code previousValidUntil}, and deliveries are signed with both until then.
 *
 * @param current the {@code whsec_…} secret deliveries are signed with
 * @param previous the secret it replaced, while the rotation overlap lasts
 * @param previousValidUntil end of the overlap; present exactly when {@code previous} is
 */
public record WebhookSecret(Secret current, Optional<Secret> previous, Optional<Instant> previousValidUntil) {

    public WebhookSecret {
        Objects.requireNonNull(current, "current");
        previous = previous == null ? Optional.empty() : previous;
        previousValidUntil = previousValidUntil == null ? Optional.empty() : previousValidUntil;
        if (previous.isPresent() != previousValidUntil.isPresent()) {
            throw new IllegalArgumentException("a previous webhook secret needs the end of its overlap, and only then");
        }
    }

    public static WebhookSecret of(Secret current) {
        return new WebhookSecret(current, Optional.empty(), Optional.empty());
    }

    /** {@code next} becomes current; this one's current stays valid until {@code overlapEnd}. */
    public WebhookSecret rotatedTo(Secret next, Instant overlapEnd) {
        return new WebhookSecret(next, Optional.of(current), Optional.of(overlapEnd));
    }

    /** The previous secret if its overlap has not ended at {@code now}. */
    public Optional<Secret> previousAt(Instant now) {
        return previous.filter(p -> previousValidUntil.orElseThrow().isAfter(now));
    }
}
