package dev.oauthrefresher.keyring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.FakeTokenEndpointResource;
import dev.oauthrefresher.testsupport.LogCapture;
import dev.oauthrefresher.testsupport.Seeder;
import dev.oauthrefresher.testsupport.Seeder.Seeded;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.All;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.hibernate.query.TypedParameterValue;
import org.hibernate.type.StandardBasicTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The re-seal job on real PostgreSQL, over both sealed tables: rows sealed with the tests' older key ({@code test-old})
 * and by the previous release (its cipher, under {@code refresher.refresh.pending-rotation-key}) all end under the
 * current key, still opening to the same tokens; a run stopped after one batch resumes where it stopped; rows already
 * current are not touched; a row that no key opens is skipped, once per pass; no key and no token is logged.
 */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class ResealTest {

    static LogCapture logs;

    @Inject
    KeyRing ring;

    @Inject
    Reseal reseal;

    @Inject
    @All
    List<SealedRows> tables;

    @Inject
    Seeder seeder;

    @Inject
    TokenStore store;

    @Inject
    MeterRegistry registry;

    @BeforeAll
    static void captureLogs() {
        logs = LogCapture.install();
    }

    @AfterAll
    static void noKeyOrTokenWasLogged() {
        try {
            logs.assertContainsNone(List.of(setting("refresher.keyring.keys.test-old"),
                    setting("refresher.keyring.keys.test-current"), setting("refresher.refresh.pending-rotation-key"),
                    "reseal-refresh-", "reseal-access-"));
        } finally {
            logs.close();
        }
    }

    @Test
    void shouldMoveEveryRowToTheCurrentKeyResumingAfterAnInterruptionAndLeavingCurrentRowsAlone() {
        KeyRing old = KeyRingTest.ring(Map.of("test-old", setting("refresher.keyring.keys.test-old")), "test-old", Optional.empty());
        PreviousReleaseCipher previous = new PreviousReleaseCipher(setting("refresher.refresh.pending-rotation-key"));
        String tenant = seeder.tenant("reseal");
        List<Seeded> integrations = seeder.integrations(tenant, "oauth2", "fake-rotating", FakeTokenEndpointResource.rotating(),
                9, Instant.now().plus(1, ChronoUnit.HOURS));
        // held by nobody alive for an hour: the pending-rotation takeover leaves these rows to this test
        seeder.sql("UPDATE integration SET lease_owner = 'test/reseal', lease_expires_at = now() + interval '1 hour' "
                + "WHERE tenant_id = :t", Map.of("t", tenant));
        Map<UUID, TokenSet> tokens = new HashMap<>();
        Map<UUID, byte[]> current = new HashMap<>();
        List<UUID> revocations = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            UUID pendingId = integrations.get(i).id();
            UUID revocationId = UUID.randomUUID();
            revocations.add(revocationId);
            for (UUID id : List.of(pendingId, revocationId)) {
                TokenSet set = tokens(id);
                tokens.put(id, set);
                KeyRing.Sealed sealed = switch (i % 3) {
                    case 0 -> old.seal(id, set);
                    case 1 -> new KeyRing.Sealed(previous.seal(id, set), previous.keyId());
                    default -> ring.seal(id, set);
                };
                if (i % 3 == 2) {
                    current.put(id, sealed.value());
                }
                insert(id == pendingId, id, sealed);
            }
        }
        // before every other row in id order, and no key of the ring opens it: skipped, and only once per pass
        UUID unopenable = new UUID(0, 1);
        revocations.add(unopenable);
        insert(false, unopenable, new KeyRing.Sealed(new byte[] {1, 8, 't', 'e', 's', 't', '-', 'o', 'l', 'd', 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "test-old"));
        SealedRows revocationRows = table("revocation");
        SealedRows pendingRows = table("pending_rotation");
        long skippedBefore = progress("revocation", "skipped");
        double resealedBefore = resealedCount("pending_rotation");

        try {
            assertThat(reseal.batch(revocationRows, 3)).as("a full batch, then the job stops").isEqualTo(Reseal.Batch.FULL);
            Object stoppedAfter = seeder.scalar("SELECT after_id FROM keyring_reseal WHERE table_name = 'revocation'", Map.of());
            assertThat(stoppedAfter).as("where the next batch starts, recorded").isNotNull();
            assertThat(countOnOtherKeys(revocations)).as("rows still to move after one batch").isGreaterThan(1);

            reseal.run();

            for (UUID id : tokens.keySet()) {
                boolean pending = !revocations.contains(id);
                assertThat(keyId(pending, id)).as("key of %s", id).isEqualTo("test-current");
                byte[] value = value(pending, id);
                assertThat(ring.open(id, value)).as("tokens of %s", id).isEqualTo(tokens.get(id));
                if (current.containsKey(id)) {
                    assertThat(value).as("a row already current is left as it was").isEqualTo(current.get(id));
                }
            }
            assertThat(keyId(false, unopenable)).isEqualTo("test-old");
            assertThat(progress("revocation", "skipped") - skippedBefore)
                    .as("the unopenable row, met once: the run resumed after it instead of starting over").isEqualTo(1);
            assertThat(seeder.scalar("SELECT after_id FROM keyring_reseal WHERE table_name = 'revocation'", Map.of()))
                    .as("the pass is complete").isNull();
            assertThat(resealedCount("pending_rotation") - resealedBefore).isGreaterThanOrEqualTo(6);
            assertThat(registry.find("refresher.keyring.rows.old.keys").tag("table", "revocation").gauge().value())
                    .isEqualTo((double) revocationRowsOnOtherKeys());
            assertThat(registry.find("refresher.keyring.rows.old.keys").tag("table", "pending_rotation").gauge().value())
                    .isEqualTo((double) pendingRows.countSealedWithOtherKeys(ring.currentKeyId()));
            assertThat(logs.text()).contains("revocation row(s) not re-sealed: no key of the ring opens them (the first: "
                    + unopenable + ", key test-old)");
        } finally {
            seeder.sql("DELETE FROM revocation WHERE integration_id IN (:ids)", Map.of("ids", revocations));
            seeder.sql("DELETE FROM pending_rotation WHERE integration_id IN (SELECT id FROM integration WHERE tenant_id = :t)",
                    Map.of("t", tenant));
        }
    }

    @Test
    void shouldMoveTheSealedLayoutsTokensToTheCurrentKeyAndKeepThemReadable() {
        KeyRing old = KeyRingTest.ring(Map.of("test-old", setting("refresher.keyring.keys.test-old")), "test-old", Optional.empty());
        String tenant = seeder.tenant("reseal-sealed");
        UUID id = seeder.integrations(tenant, "google", "fake-google", FakeTokenEndpointResource.google(), 1,
                Instant.now().plus(1, ChronoUnit.HOURS), SecretRef.DATABASE).get(0).id();
        TokenSet set = tokens(id);
        KeyRing.Sealed sealed = old.seal(id, set);
        seeder.sql("UPDATE integration_token SET sealed_tokens = :sealed, key_id = :key WHERE integration_id = :id",
                Map.of("id", id, "sealed", new TypedParameterValue<>(StandardBasicTypes.BINARY, sealed.value()),
                        "key", sealed.keyId()));

        reseal.run();

        assertThat(seeder.scalar("SELECT key_id FROM integration_token WHERE integration_id = :id", Map.of("id", id)))
                .isEqualTo("test-current");
        assertThat(store.load(new SecretRef(SecretRef.DATABASE, Integration.secretNameFor(id))).await().indefinitely()
                .orElseThrow().tokens()).isEqualTo(set);
        assertThat(table("integration_token").countSealedWithOtherKeys(ring.currentKeyId())).isZero();
    }

    private void insert(boolean pending, UUID id, KeyRing.Sealed sealed) {
        Object value = new TypedParameterValue<>(StandardBasicTypes.BINARY, sealed.value());
        if (pending) {
            seeder.sql("INSERT INTO pending_rotation (integration_id, sealed_tokens, key_id, started_at) "
                    + "VALUES (:id, :sealed, :key, now())", Map.of("id", id, "sealed", value, "key", sealed.keyId()));
        } else {
            // due in an hour: the revocation worker leaves them to this test
            seeder.sql("INSERT INTO revocation (integration_id, tenant_id, provider_group, sealed_tokens, key_id, created_at, "
                    + "next_attempt_at) VALUES (:id, 'reseal', 'fake-google', :sealed, :key, now(), now() + interval '1 hour')",
                    Map.of("id", id, "sealed", value, "key", sealed.keyId()));
        }
    }

    private String keyId(boolean pending, UUID id) {
        return (String) seeder.scalar("SELECT key_id FROM " + (pending ? "pending_rotation" : "revocation")
                + " WHERE integration_id = :id", Map.of("id", id));
    }

    private byte[] value(boolean pending, UUID id) {
        return (byte[]) seeder.scalar("SELECT sealed_tokens FROM " + (pending ? "pending_rotation" : "revocation")
                + " WHERE integration_id = :id", Map.of("id", id));
    }

    private long countOnOtherKeys(List<UUID> ids) {
        return seeder.count("SELECT count(*) FROM revocation WHERE integration_id IN (:ids) AND key_id <> 'test-current'",
                Map.of("ids", ids));
    }

    private long revocationRowsOnOtherKeys() {
        return seeder.count("SELECT count(*) FROM revocation WHERE key_id <> 'test-current'", Map.of());
    }

    private long progress(String table, String column) {
        Object value = seeder.scalar("SELECT " + column + " FROM keyring_reseal WHERE table_name = :t", Map.of("t", table));
        return value == null ? 0 : ((Number) value).longValue();
    }

    private double resealedCount(String table) {
        var counter = registry.find("refresher.keyring.resealed").tag("table", table).counter();
        return counter == null ? 0 : counter.count();
    }

    private SealedRows table(String name) {
        return tables.stream().filter(t -> t.table().equals(name)).findFirst().orElseThrow();
    }

    private static TokenSet tokens(UUID id) {
        return new TokenSet(Secret.of("reseal-access-" + id), Secret.of("reseal-refresh-" + id),
                Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS), Optional.of("email"), "Bearer");
    }

    private static String setting(String key) {
        return ConfigProvider.getConfig().getValue(key, String.class);
    }
}
