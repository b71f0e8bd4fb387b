package dev.oauthrefresher.testsupport;

import dev.oauthrefresher.common.Secret;
import dev.oauthrefresher.common.Timestamps;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.StandardBasicTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Puts tenants and due integrations straight into the database and the token store, for pipeline tests. */
@ApplicationScoped
public class Seeder {

    /** A seeded integration and the fake provider's name for its grant. */
    public record Seeded(UUID id, String tenant, String grant) {
    }

    private final EntityManager em;
    private final TokenStore tokenStore;

    Seeder(EntityManager em, TokenStore tokenStore) {
        this.em = em;
        this.tokenStore = tokenStore;
    }

    public String tenant(String prefix) {
        String id = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "INSERT INTO tenant (id, display_name) VALUES (:id, :id)").setParameter("id", id).executeUpdate());
        return id;
    }

    /**
     * {@code count} integrations of {@code tenant} in {@code group}, expiring at {@code expiresAt}, with live grants;
     * rows as the one-vault release wrote them (no {@code vault}: the default one).
     */
    public List<Seeded> integrations(String tenant, String provider, String group, FakeTokenEndpoint endpoint, int count,
            Instant expiresAt) {
        return integrations(tenant, provider, group, endpoint, count, expiresAt, null);
    }

    /** {@link #integrations} whose rows record {@code vault} (null: none), their tokens stored there. */
    public List<Seeded> integrations(String tenant, String provider, String group, FakeTokenEndpoint endpoint, int count,
            Instant expiresAt, String vault) {
        String storedIn = vault == null ? SecretRef.DEFAULT_VAULT : vault;
        List<Seeded> seeded = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            UUID id = UUID.randomUUID();
            String grant = tenant + "-" + i + "-" + UUID.randomUUID().toString().substring(0, 4);
            seeded.add(new Seeded(id, tenant, grant));
            if (!SecretRef.DATABASE.equals(storedIn)) {
                save(storedIn, id, grant, endpoint, expiresAt);
            }
        }
        QuarkusTransaction.requiringNew().run(() -> {
            for (Seeded s : seeded) {
                em.createNativeQuery("""
                        INSERT INTO integration (id, tenant_id, provider, provider_group, external_account, status,
                                                 access_token_expires_at, last_refreshed_at, secret_name, vault)
                        VALUES (:id, :tenant, :provider, :group, :account, 'active', :expires, :now, :secret, :vault)
                        """).unwrap(NativeQuery.class).setParameter("id", s.id()).setParameter("tenant", tenant).setParameter("provider", provider)
                        .setParameter("group", group).setParameter("account", s.grant() + "@example.com")
                        .setParameter("expires", expiresAt).setParameter("now", Instant.now())
                        .setParameter("secret", Integration.secretNameFor(s.id()))
                        .setParameter("vault", vault, StandardBasicTypes.STRING).executeUpdate();
            }
        });
        // the sealed layout's tokens need their row (a foreign key), so they follow it
        if (SecretRef.DATABASE.equals(storedIn)) {
            for (Seeded s : seeded) {
                save(storedIn, s.id(), s.grant(), endpoint, expiresAt);
            }
        }
        return seeded;
    }

    private void save(String location, UUID id, String grant, FakeTokenEndpoint endpoint, Instant expiresAt) {
        tokenStore.save(new SecretRef(location, Integration.secretNameFor(id)), new TokenSet(Secret.of("at-initial-" + grant),
                Secret.of(endpoint.newGrant(grant)), expiresAt, Optional.empty(), "Bearer")).await().indefinitely();
    }

    /** Runs an update or insert, for arranging a row's state. */
    public int sql(String sql, Map<String, Object> params) {
        return QuarkusTransaction.requiringNew().call(() -> {
            var q = em.createNativeQuery(sql);
            params.forEach(q::setParameter);
            return q.executeUpdate();
        });
    }

    /** One column of one integration. */
    public Object column(UUID id, String column) {
        return QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                "SELECT " + column + " FROM integration WHERE id = :id").setParameter("id", id).getSingleResult());
    }

    /** A timestamp column of one integration as an instant (null stays null). */
    public Instant instant(UUID id, String column) {
        return toInstant(column(id, column));
    }

    public static Instant toInstant(Object value) {
        return Timestamps.toInstant(value);
    }

    public long count(String sql, Map<String, Object> params) {
        return ((Number) scalar(sql, params)).longValue();
    }

    /** The single value a query returns. */
    public Object scalar(String sql, Map<String, Object> params) {
        return QuarkusTransaction.requiringNew().call(() -> {
            var q = em.createNativeQuery(sql);
            params.forEach(q::setParameter);
            return q.getSingleResult();
        });
    }
}
