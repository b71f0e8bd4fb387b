package dev.oauthrefresher.refresh.rotation;

import dev.oauthrefresher.refresh.ClaimedIntegration;
import dev.oauthrefresher.tokenstore.TokenSet;
import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.UUID;

/**
 * Records a rotation the store finally took as the refresh it was (the outcome writer implements it), so rotation
 * safety needs nothing of the attempt that started it: dependencies point from the attempt to rotation, never back.
 */
public interface RotationRecorder {

    /** The rotated {@code tokens} are stored: the row is refreshed under {@code owner}'s lease, its pending row dropped. */
    Uni<?> stored(ClaimedIntegration row, String owner, UUID runId, TokenSet tokens, Instant startedAt);
}
