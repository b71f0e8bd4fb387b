package dev.oauthrefresher.tokenstore;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Where tokens are kept. */
@ConfigMapping(prefix = "refresher.token-store")
public interface TokenStoreConfig {

    /**
     * {@code key-vault} (production) or {@code memory} (mock mode: tokens live in this process and are lost
     * on restart). Key {@code refresher.token-store.kind}, default {@code key-vault}; the dev and test
     * profiles use {@code memory}.
     */
    @WithDefault("key-vault")
    Kind kind();

    /** Mock-mode settings. */
    Memory memory();

    enum Kind {
        KEY_VAULT,
        MEMORY
    }

    interface Memory {

        /**
         * Delay added to every memory-store operation, to stand in for Key Vault's latency in benchmarks.
         * Key {@code refresher.token-store.memory.latency}, default {@code 0ms}.
         */
        @WithDefault("0ms")
        Duration latency();
    }
}
