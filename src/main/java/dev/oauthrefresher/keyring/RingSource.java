package dev.oauthrefresher.keyring;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.tokenstore.TokenStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Where the ring is read from; each read builds a whole new {@link Ring}, with the legacy key beside its keys. */
interface RingSource {

    /** The ring this source holds now with {@code legacy} beside it; empty if it holds none and there is no legacy key. */
    Optional<Ring> read(Optional<Secret> legacy);

    /** Whether reading again can give another ring (Key Vault, a mounted file), or never (configuration). */
    boolean changes();

    /**
     * The Key Vault secret {@code name} in the vault named {@code default}. An absent secret is no ring (an upgrade
     * that has only the legacy key); a vault that does not answer is a failure, never an empty ring.
     */
    static RingSource keyVault(TokenStore store, String name) {
        String origin = "Key Vault secret '" + name + "'";
        return new RingSource() {
            @Override
            public Optional<Ring> read(Optional<Secret> legacy) {
                Optional<Secret> document = store.loadServiceSecret(name).await().atMost(store.callerWait());
                return document.map(value -> Ring.parse(value.reveal(), legacy, origin, KEY_VAULT_SETTING))
                        .or(() -> legacyOnly(legacy, origin, KEY_VAULT_SETTING));
            }

            @Override
            public boolean changes() {
                return true;
            }
        };
    }

    /** A mounted file; a configured file that cannot be read is a failure naming the setting. */
    static RingSource file(Path path) {
        String origin = "file " + path;
        return new RingSource() {
            @Override
            public Optional<Ring> read(Optional<Secret> legacy) {
                String document;
                try {
                    document = Files.readString(path, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw Ring.invalid(FILE_SETTING, origin + " cannot be read (" + e.getClass().getSimpleName() + ")");
                }
                return Optional.of(Ring.parse(document, legacy, origin, FILE_SETTING));
            }

            @Override
            public boolean changes() {
                return true;
            }
        };
    }

    /** {@code refresher.keyring.current} and {@code refresher.keyring.keys.<id>}: dev mode and tests. */
    static RingSource config(Map<String, Secret> keys, Optional<String> current) {
        String origin = "refresher.keyring.keys";
        return new RingSource() {
            @Override
            public Optional<Ring> read(Optional<Secret> legacy) {
                if (keys.isEmpty() && current.isEmpty()) {
                    return legacyOnly(legacy, origin, CURRENT_SETTING);
                }
                return Optional.of(Ring.of(keys, current, legacy, origin, CURRENT_SETTING));
            }

            @Override
            public boolean changes() {
                return false;
            }
        };
    }

    String KEY_VAULT_SETTING = "refresher.keyring.key-vault-secret";
    String FILE_SETTING = "refresher.keyring.file";
    String CURRENT_SETTING = "refresher.keyring.current";

    private static Optional<Ring> legacyOnly(Optional<Secret> legacy, String origin, String setting) {
        return legacy.map(key -> Ring.of(Map.of(), Optional.empty(), legacy, origin + " (absent: the legacy key alone)", setting));
    }
}
