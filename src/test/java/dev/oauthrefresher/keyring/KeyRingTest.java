package dev.oauthrefresher.keyring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.testsupport.LogCapture;
import dev.oauthrefresher.tokenstore.TokenSet;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key ring on its own: the sealed format, what refuses to open and how, rotation, values of the previous release,
 * the checks a ring passes before it is used, re-reads, and that no key shows in any message, log line or
 * {@code toString()}.
 */
class KeyRingTest {

    static final String K1 = "q0ouqWTlFtHSuLHSbmfRo6G08T5Os2MNcBXI1zK1KfE=";
    static final String K2 = "T0m5j5qX2pF1VvqXk8Yt0s9bVZ3m5xq7l0M8aY2c4Ww=";
    static final String LEGACY = "8n3cKz0cG7Hq6B2m0X1s2k5yJc9bVtQeHq4qz6m7r5c=";
    static final TokenSet TOKENS = new TokenSet(Secret.of("access-token-value-1"), Secret.of("refresh-token-value-1"),
            Instant.parse("2026-12-05T10:00:00Z"), Optional.of("openid email"), "Bearer");

    private final UUID id = UUID.randomUUID();

    @Test
    void shouldOpenWhatItSealedAndWriteTheVersionedLayout() {
        KeyRing ring = ring(Map.of("k1", K1), "k1", Optional.empty());

        KeyRing.Sealed sealed = ring.seal(id, TOKENS);

        assertThat(ring.open(id, sealed.value())).isEqualTo(TOKENS);
        assertThat(sealed.keyId()).isEqualTo("k1");
        byte[] value = sealed.value();
        assertThat(value[0]).as("format version").isEqualTo(SealedFormat.VERSION_1);
        assertThat(value[1]).as("key id length").isEqualTo((byte) 2);
        assertThat(new String(value, 2, 2, StandardCharsets.US_ASCII)).isEqualTo("k1");
        assertThat(new String(value, StandardCharsets.ISO_8859_1)).doesNotContain("refresh-token-value-1", "access-token-value-1");
        assertThat(ring.seal(id, TOKENS).value()).as("a fresh nonce per value").isNotEqualTo(value);
    }

    @Test
    void shouldOpenAVersionOneValueSealedBeforeEachThreadKeptItsCipher() {
        // sealed by the implementation that built a cipher per value (commit 5453efd), key K1 as "k1", for this row
        UUID row = UUID.fromString("5f0c8c2e-6a59-4c47-9d0e-2b0f3f6c1a7d");
        byte[] earlier = Base64.getDecoder().decode("AQJrMY7iSkejZoDhukQjQ0g8app/tF3RvW+crXDnC9j77rcAYiXdH09eOVvvKbHVMHkkDKj/8jgR5c3Ea9ZyTw4=");
        KeyRing ring = ring(Map.of("k1", K1), "k1", Optional.empty());

        assertThat(new String(ring.openBytes(row, earlier), StandardCharsets.UTF_8)).isEqualTo("a value sealed before this change");
        assertThatThrownBy(() -> ring.openBytes(id, earlier)).as("another row").isInstanceOf(SealedValueException.Tampered.class);
    }

    @Test
    void shouldKeepSealingAndOpeningOnAThreadWhoseLastOpenFailed() {
        KeyRing ring = ring(Map.of("k1", K1), "k1", Optional.empty());
        byte[] altered = ring.sealBytes(id, "first".getBytes(StandardCharsets.UTF_8)).value();
        altered[altered.length - 1] ^= 1;
        assertThatThrownBy(() -> ring.openBytes(id, altered)).isInstanceOf(SealedValueException.Tampered.class);

        KeyRing.Sealed next = ring.sealBytes(id, "second".getBytes(StandardCharsets.UTF_8));

        assertThat(new String(ring.openBytes(id, next.value()), StandardCharsets.UTF_8)).isEqualTo("second");
        assertThat(java.util.Arrays.copyOfRange(next.value(), 4, 16)).as("a new nonce")
                .isNotEqualTo(java.util.Arrays.copyOfRange(altered, 4, 16));
    }

    @Test
    void shouldSealAConnectSessionsVerifierForItsRowOnly() {
        KeyRing ring = ring(Map.of("k1", K1, "k2", K2), "k1", Optional.empty());
        dev.oauthrefresher.common.Secret verifier = dev.oauthrefresher.common.Secret.of("pkce-verifier-of-43-characters-abcdefghijkl");
        KeyRing.Sealed sealed = ring.seal(id, verifier);

        assertThat(sealed.keyId()).isEqualTo("k1");
        assertThat(new String(sealed.value(), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(verifier.reveal());
        assertThat(ring.openSecret(id, sealed.value()).reveal()).isEqualTo(verifier.reveal());
        assertThatThrownBy(() -> ring.openSecret(UUID.randomUUID(), sealed.value()))
                .isInstanceOf(SealedValueException.Tampered.class);
    }

    @Test
    void shouldRefuseEveryAlteredByteAndAValueMovedToAnotherRow() {
        KeyRing ring = ring(Map.of("k1", K1, "k2", K2), "k1", Optional.empty());
        byte[] value = ring.seal(id, TOKENS).value();
        int nonce = 4;
        int ciphertext = 4 + SealedFormat.NONCE_BYTES + 3;
        int tag = value.length - 1;
        for (int at : new int[] {nonce, ciphertext, tag}) {
            byte[] altered = value.clone();
            altered[at] ^= 0x01;
            assertThatThrownBy(() -> ring.open(id, altered)).as("byte %d flipped", at)
                    .isInstanceOf(SealedValueException.Tampered.class);
        }
        byte[] otherKeyId = value.clone();
        otherKeyId[3] = '2';
        assertThatThrownBy(() -> ring.open(id, otherKeyId)).as("the key id made to name the ring's other key")
                .isInstanceOf(SealedValueException.Tampered.class);
        byte[] version = value.clone();
        version[0] = 0x02;
        assertThatThrownBy(() -> ring.open(id, version)).isInstanceOf(SealedValueException.Tampered.class);
        assertThatThrownBy(() -> ring.open(id, java.util.Arrays.copyOf(value, 20))).isInstanceOf(SealedValueException.Tampered.class);
        assertThatThrownBy(() -> ring.open(UUID.randomUUID(), value)).as("moved to another integration")
                .isInstanceOf(SealedValueException.Tampered.class).hasMessageNotContaining(id.toString());
    }

    @Test
    void shouldFailSpecificallyOnAKeyIdTheRingDoesNotHoldNamingNeitherValueNorKey() {
        KeyRing sealer = ring(Map.of("k9", K2), "k9", Optional.empty());
        KeyRing ring = ring(Map.of("k1", K1), "k1", Optional.empty());
        byte[] value = sealer.seal(id, TOKENS).value();
        byte[] renamed = value.clone();
        renamed[3] = '8';

        assertThatThrownBy(() -> ring.open(id, value)).isInstanceOfSatisfying(SealedValueException.UnknownKeyId.class, e -> {
            assertThat(e.keyId()).isEqualTo("k9");
            assertThat(e.getMessage()).contains("k9", id.toString()).doesNotContain(K1, K2,
                    Base64.getEncoder().encodeToString(value));
            assertThat(e.getCause()).isNull();
        });
        assertThatThrownBy(() -> ring.open(id, renamed)).as("a key id altered to one nobody holds")
                .isInstanceOf(SealedValueException.UnknownKeyId.class);
    }

    @Test
    void shouldOpenValuesOfTheOldKeyAfterARotationAndSealNewOnesWithTheNewKey() {
        KeyRing before = ring(Map.of("k1", K1), "k1", Optional.empty());
        KeyRing after = ring(Map.of("k1", K1, "k2", K2), "k2", Optional.empty());
        byte[] old = before.seal(id, TOKENS).value();

        assertThat(after.open(id, old)).isEqualTo(TOKENS);
        KeyRing.Sealed fresh = after.seal(id, TOKENS);
        assertThat(fresh.keyId()).isEqualTo("k2");
        assertThatThrownBy(() -> before.open(id, fresh.value())).isInstanceOf(SealedValueException.UnknownKeyId.class);

        KeyRing.Sealed resealed = after.reseal(id, old);
        assertThat(resealed.keyId()).isEqualTo("k2");
        assertThat(ring(Map.of("k2", K2), "k2", Optional.empty()).open(id, resealed.value()))
                .as("opens once the old key is retired").isEqualTo(TOKENS);
    }

    @Test
    void shouldOpenRowsOfThePreviousReleaseWithItsKeyAsTheLegacyMember() {
        PreviousReleaseCipher previous = new PreviousReleaseCipher(LEGACY);
        KeyRing ring = ring(Map.of("k1", K1), "k1", Optional.of(Secret.of(LEGACY)));
        List<byte[]> values = new ArrayList<>();
        // a random nonce that happens to start like a version-1 header must still open as the legacy value it is
        while (values.size() < 300) {
            values.add(previous.seal(id, TOKENS));
        }

        for (byte[] value : values) {
            assertThat(ring.open(id, value)).isEqualTo(TOKENS);
        }
        assertThat(ring.keyIds()).as("what key_id columns hold").containsExactlyInAnyOrder("k1", previous.keyId());
        assertThat(ring.displayName(previous.keyId())).isEqualTo("legacy");
        KeyRing.Sealed resealed = ring.reseal(id, values.get(0));
        assertThat(resealed.keyId()).isEqualTo("k1");
        assertThat(ring.open(id, resealed.value())).isEqualTo(TOKENS);
    }

    @Test
    void shouldSealInThePreviousReleasesFormatWhileTheLegacyKeyIsCurrent() {
        PreviousReleaseCipher previous = new PreviousReleaseCipher(LEGACY);
        KeyRing upgraded = ring(Map.of(), null, Optional.of(Secret.of(LEGACY)));

        KeyRing.Sealed sealed = upgraded.seal(id, TOKENS);

        assertThat(sealed.keyId()).as("the key id old pods look rows up by").isEqualTo(previous.keyId());
        assertThat(previous.open(id, sealed.value())).as("a pod of the previous release opens it").contains(TOKENS);
        assertThat(upgraded.open(id, sealed.value())).isEqualTo(TOKENS);
    }

    @Test
    void shouldRefuseARingWithoutACurrentKeyNamingTheSetting() {
        assertInvalid("{\"keys\":{\"k1\":\"" + K1 + "\"}}", "refresher.keyring.key-vault-secret", "current");
        assertInvalid("{\"current\":\"k3\",\"keys\":{\"k1\":\"" + K1 + "\"}}", "'k3' is not one of its keys");
        assertThatThrownBy(() -> Ring.of(Map.of("k1", Secret.of(K1)), Optional.empty(), Optional.empty(), "config",
                "refresher.keyring.current")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.keyring.current").hasMessageContaining("names no current key");
    }

    @Test
    void shouldRefuseAKeyOfTheWrongLengthOrNotBase64NamingTheKeyId() {
        String short16 = Base64.getEncoder().encodeToString(new byte[16]);
        assertInvalid("{\"current\":\"k1\",\"keys\":{\"k1\":\"" + K1 + "\",\"k2\":\"" + short16 + "\"}}",
                "key 'k2' must decode to 32 bytes (AES-256), not 16");
        assertInvalid("{\"current\":\"k1\",\"keys\":{\"k1\":\"not base64!\"}}", "key 'k1' must be base64");
        assertThatThrownBy(() -> Ring.of(Map.of(), Optional.empty(), Optional.of(Secret.of(short16)), "config", "x"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("refresher.refresh.pending-rotation-key");
    }

    @Test
    void shouldRefuseDuplicateAndMalformedKeyIds() {
        assertInvalid("{\"current\":\"k1\",\"keys\":{\"k1\":\"" + K1 + "\",\"k1\":\"" + K2 + "\"}}", "duplicate key id");
        assertInvalid("{\"current\":\"legacy\",\"keys\":{\"legacy\":\"" + K1 + "\"}}", "'legacy' is reserved");
        assertInvalid("{\"current\":\"a b\",\"keys\":{\"a b\":\"" + K1 + "\"}}", "key id 'a b' must be");
        assertInvalid("not json " + K1, "not a JSON key-ring document");
    }

    @Test
    void shouldTakeANewKeyFromItsSourceOnAnUnknownKeyIdAtMostOncePerInterval() {
        AtomicReference<String> document = new AtomicReference<>(doc("k1", Map.of("k1", K1)));
        AtomicInteger reads = new AtomicInteger();
        RingSource source = changing(document, reads);
        List<Ring> seen = new ArrayList<>();
        KeyRing ring = new KeyRing(source, Optional.empty(), false, Duration.ofMinutes(1), Runnable::run, seen::add);
        byte[] sealedElsewhere = ring(Map.of("k2", K2), "k2", Optional.empty()).seal(id, TOKENS).value();
        document.set(doc("k2", Map.of("k1", K1, "k2", K2)));

        assertThatThrownBy(() -> ring.open(id, sealedElsewhere)).isInstanceOf(SealedValueException.UnknownKeyId.class);
        assertThat(ring.open(id, sealedElsewhere)).as("after the early re-read").isEqualTo(TOKENS);
        assertThat(ring.currentKeyId()).isEqualTo("k2");
        assertThat(seen).extracting(r -> r.current().id()).containsExactly("k1", "k2");

        int readsBefore = reads.get();
        byte[] unknown = ring(Map.of("k7", K1), "k7", Optional.empty()).seal(id, TOKENS).value();
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> ring.open(id, unknown)).isInstanceOf(SealedValueException.UnknownKeyId.class);
        }
        assertThat(reads.get() - readsBefore).as("re-reads within reload-min-interval").isZero();
    }

    @Test
    void shouldKeepTheRingInUseWhenARereadIsInvalidAndLogNoKey() {
        AtomicReference<String> document = new AtomicReference<>(doc("k1", Map.of("k1", K1)));
        KeyRing ring = new KeyRing(changing(document, new AtomicInteger()), Optional.of(Secret.of(LEGACY)), false,
                Duration.ofMinutes(1), Runnable::run, r -> { });
        try (LogCapture logs = LogCapture.install()) {
            document.set(doc("k2", Map.of("k1", K1, "k2", K2)));
            ring.reload();
            document.set("{\"current\":\"k3\",\"keys\":{\"k3\":\"" + Base64.getEncoder().encodeToString(new byte[31]) + "\"}}");
            ring.reload();

            assertThat(ring.currentKeyId()).as("the refused ring is not used").isEqualTo("k2");
            assertThat(logs.text()).contains("Key ring read again", "key 'k3' must decode to 32 bytes");
            logs.assertContainsNone(List.of(K1, K2, LEGACY, Base64.getEncoder().encodeToString(new byte[31])));
        }
    }

    @Test
    void shouldPrintNoKeyInToString() {
        KeyRing ring = ring(Map.of("k1", K1, "k2", K2), "k2", Optional.of(Secret.of(LEGACY)));
        KeyRing.Sealed sealed = ring.seal(id, TOKENS);
        String printed = ring + " " + sealed + " " + Ring.of(Map.of("k1", Secret.of(K1)), Optional.of("k1"),
                Optional.of(Secret.of(LEGACY)), "config", "x").current() + " "
                + new SealedRows.Row(id, sealed.value(), "k2");

        assertThat(printed).contains("k1", "k2", "legacy").doesNotContain(K1, K2, LEGACY,
                Base64.getEncoder().encodeToString(sealed.value()), "refresh-token-value-1");
    }

    @Test
    void shouldRefuseToMakeUpAKeyInProductionWithKeyVault() {
        assertThatThrownBy(() -> new KeyRing(RingSource.config(Map.of(), Optional.empty()), Optional.empty(), false,
                Duration.ofSeconds(30), Runnable::run, r -> { }))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("refresher.keyring.key-vault-secret");
        KeyRing madeUp = new KeyRing(RingSource.config(Map.of(), Optional.empty()), Optional.empty(), true,
                Duration.ofSeconds(30), Runnable::run, r -> { });
        assertThat(madeUp.open(id, madeUp.seal(id, TOKENS).value())).isEqualTo(TOKENS);
        assertThat(madeUp.currentKeyId()).startsWith("ephemeral-");
    }

    @Test
    void shouldReadTheRingFromAMountedFileAndAgainWhenTheFileChanges(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ring.json");
        Files.writeString(file, doc("k1", Map.of("k1", K1)));
        KeyRing ring = new KeyRing(RingSource.file(file), Optional.empty(), false, Duration.ofSeconds(30), Runnable::run, r -> { });
        assertThat(ring.currentKeyId()).isEqualTo("k1");

        Files.writeString(file, doc("k2", Map.of("k1", K1, "k2", K2)));
        ring.reload();

        assertThat(ring.currentKeyId()).isEqualTo("k2");
        assertThatThrownBy(() -> RingSource.file(dir.resolve("missing.json")).read(Optional.empty()))
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("refresher.keyring.file: ")
                .hasMessageContaining("cannot be read");
    }

    static KeyRing ring(Map<String, String> keys, String current, Optional<Secret> legacy) {
        Map<String, Secret> secrets = new LinkedHashMap<>();
        keys.forEach((k, v) -> secrets.put(k, Secret.of(v)));
        return new KeyRing(RingSource.config(secrets, Optional.ofNullable(current)), legacy, false, Duration.ofSeconds(30),
                Runnable::run, r -> { });
    }

    private static void assertInvalid(String document, String... expected) {
        assertThatThrownBy(() -> Ring.parse(document, Optional.empty(), "Key Vault secret 'oauth-refresher-keyring'",
                "refresher.keyring.key-vault-secret"))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> {
                    assertThat(e.getMessage()).startsWith("refresher.keyring.key-vault-secret: ").contains(expected)
                            .doesNotContain(K1, K2);
                    assertThat(e.getCause()).isNull();
                });
    }

    private static String doc(String current, Map<String, String> keys) {
        StringBuilder json = new StringBuilder("{\"current\":\"" + current + "\",\"keys\":{");
        keys.forEach((k, v) -> json.append('"').append(k).append("\":\"").append(v).append("\","));
        json.setLength(json.length() - 1);
        return json.append("}}").toString();
    }

    private static RingSource changing(AtomicReference<String> document, AtomicInteger reads) {
        return new RingSource() {
            @Override
            public Optional<Ring> read(Optional<Secret> legacy) {
                reads.incrementAndGet();
                return Optional.of(Ring.parse(document.get(), legacy, "test document", "refresher.keyring.file"));
            }

            @Override
            public boolean changes() {
                return true;
            }
        };
    }
}
