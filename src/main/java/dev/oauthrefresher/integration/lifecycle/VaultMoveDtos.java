package dev.oauthrefresher.integration.lifecycle;

import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.util.List;
import java.util.UUID;

/** Bodies of {@code POST /admin/tenants/{tenantId}/vault-move}. */
public final class VaultMoveDtos {

    private VaultMoveDtos() {
    }

    /**
     * Move the tenant's integrations to vault {@code to}, at most {@code limit} of them in this call (default
     * {@value VaultMoveService#DEFAULT_LIMIT}); call again until {@code remaining} is 0.
     */
    public record VaultMoveRequest(@NotBlank String to, @Min(1) @Max(1000) Integer limit) {
    }

    /** An integration this call did not move, and why ({@code busy}, {@code rotation_pending}, …). */
    @RegisterForReflection
    public record NotMoved(UUID integrationId, String reason) {
    }

    /** A secret left in the old vault after the row moved on: harmless (nothing reads it), to delete by hand. */
    @RegisterForReflection
    public record Orphan(UUID integrationId, String vault, String secretName) {
    }

    /**
     * What one call did: {@code moved} now, {@code alreadyThere} (the tenant's integrations in {@code to}, these
     * included), {@code skipped} (left for a later call), {@code failed}, {@code orphaned}, and {@code remaining}: the
     * tenant's integrations still outside {@code to}.
     */
    @RegisterForReflection
    public record VaultMoveResult(String tenantId, String to, int moved, long alreadyThere, List<NotMoved> skipped,
            List<NotMoved> failed, List<Orphan> orphaned, long remaining) {
    }
}
