package dev.oauthrefresher.keyring;

import dev.oauthrefresher.common.Secret;
import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * The previous release's one sealing key, kept under its own name so existing Secrets and sealed rows keep working: it
 * joins the ring as the key {@code legacy}, and while it is the current key values are sealed in its format.
 */
@ConfigMapping(prefix = "refresher.refresh")
public interface LegacyKeyConfig {

    /**
     * The previous release's pending-rotation key (32 random bytes, base64): a member of the ring with id {@code legacy},
     * opening rows it sealed, and the current key when no ring is configured. Remove it once
     * {@code refresher_keyring_rows_old_keys} is 0 after another key became current. Key
     * {@code refresher.refresh.pending-rotation-key}, no default.
     */
    Optional<Secret> pendingRotationKey();
}
