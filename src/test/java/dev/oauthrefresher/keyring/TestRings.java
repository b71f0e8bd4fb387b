package dev.oauthrefresher.keyring;

import java.util.Map;
import java.util.Optional;

/** Key rings built outside a Quarkus application, for harnesses that seal what a service will open (the soak's rows). */
public final class TestRings {

    private TestRings() {
    }

    /** A ring of one key, current: {@code base64Key} is the same value the service's ring document gives {@code keyId}. */
    public static KeyRing of(String keyId, String base64Key) {
        return KeyRingTest.ring(Map.of(keyId, base64Key), keyId, Optional.empty());
    }
}
