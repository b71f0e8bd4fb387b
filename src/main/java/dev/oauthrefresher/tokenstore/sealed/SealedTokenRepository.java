package dev.oauthrefresher.tokenstore.sealed;

import dev.oauthrefresher.keyring.KeyRing;
import dev.oauthrefresher.keyring.SealedColumns;
import dev.oauthrefresher.keyring.SealedRows;
import dev.oauthrefresher.keyring.SealedValueException;
import dev.oauthrefresher.tokenstore.SealedTokens;
import dev.oauthrefresher.tokenstore.TokenSet;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The {@code integration_token} table: the sealed layout's token documents, one per integration whose location is
 * {@code database}, sealed by the {@link KeyRing} with the integration id as associated data. Each operation is one
 * autocommitted statement on the main pool, as the pipeline's fences are: a write is fenced in its own statement (the
 * lease owner checked under a share lock on the row, so no lease can change hands between the check and the write),
 * which is what a vault cannot do. Also one of the tables the re-seal job moves to the current key ({@link SealedRows}).
 *
 * <p>A value this replica's ring cannot open never changes the row's status: it is answered as a failure of the store
 * (an unknown key id as transient, since a re-read ring may hold it; a value that fails authentication as a refusal,
 * logged and counted), so the run defers the row untouched. A missing or replaced ring key would otherwise flip every
 * row sealed with it to {@code error} at once, which is an operator's mistake and not the grants' fault.
 */
@ApplicationScoped
public class SealedTokenRepository implements SealedTokens, SealedRows {

    private static final Logger LOG = Logger.getLogger(SealedTokenRepository.class);
    private static final String TABLE = "integration_token";

    private final AgroalDataSource main;
    private final KeyRing ring;
    private final SealedColumns columns;
    private final Counter unopenable;

    SealedTokenRepository(AgroalDataSource main, KeyRing ring, EntityManager em, MeterRegistry registry) {
        this.main = main;
        this.ring = ring;
        this.columns = new SealedColumns(em, TABLE);
        this.unopenable = Counter.builder("refresher.token_store.sealed.unopenable")
                .description("Sealed token documents (the sealed layout) that this replica's key ring could not open")
                .register(registry);
    }

    @Override
    public Map<UUID, Stored> readAll(Collection<UUID> integrationIds) {
        Map<UUID, Stored> found = new HashMap<>();
        try (Connection connection = main.getConnection();
                PreparedStatement read = connection.prepareStatement(
                        "SELECT integration_id, sealed_tokens, version FROM integration_token WHERE integration_id = ANY (?)")) {
            read.setArray(1, connection.createArrayOf("uuid", integrationIds.toArray()));
            try (ResultSet rows = read.executeQuery()) {
                while (rows.next()) {
                    found.put(rows.getObject(1, UUID.class), new Stored(rows.getBytes(2), rows.getLong(3)));
                }
            }
        } catch (SQLException e) {
            throw unanswered("read", integrationIds.size() == 1 ? "integration " + integrationIds.iterator().next()
                    : integrationIds.size() + " integrations", e);
        }
        return found;
    }

    @Override
    public TokenStore.Versioned open(UUID integrationId, Stored stored) {
        try {
            return new TokenStore.Versioned(ring.open(integrationId, stored.value()), Long.toString(stored.version()));
        } catch (SealedValueException e) {
            unopenable.increment();
            boolean unknownKey = e instanceof SealedValueException.UnknownKeyId;
            // the exception's message names the row and the key id, never the value
            LOG.errorf("Integration %s: its sealed tokens cannot be opened (%s); the row is left untouched", integrationId,
                    e.getMessage());
            throw new TokenStoreException("The sealed tokens of integration " + integrationId + " cannot be opened by "
                    + "this replica's key ring", unknownKey, null);
        }
    }

    @Override
    public String save(UUID integrationId, TokenSet tokens, Optional<String> leaseOwner) {
        KeyRing.Sealed sealed = ring.seal(integrationId, tokens);
        try (Connection connection = main.getConnection();
                PreparedStatement write = connection.prepareStatement("""
                        INSERT INTO integration_token (integration_id, sealed_tokens, key_id)
                        SELECT ?, ?, ?
                         WHERE EXISTS (SELECT 1 FROM integration
                                        WHERE id = ? AND (?::text IS NULL OR lease_owner = ?) FOR SHARE)
                        ON CONFLICT (integration_id) DO UPDATE
                           SET sealed_tokens = EXCLUDED.sealed_tokens, key_id = EXCLUDED.key_id,
                               version = integration_token.version + 1, updated_at = now()
                        RETURNING version
                        """)) {
            write.setObject(1, integrationId);
            write.setBytes(2, sealed.value());
            write.setString(3, sealed.keyId());
            write.setObject(4, integrationId);
            setOwner(write, 5, leaseOwner);
            setOwner(write, 6, leaseOwner);
            try (ResultSet row = write.executeQuery()) {
                if (!row.next()) {
                    throw notHeld("write", integrationId, leaseOwner);
                }
                return Long.toString(row.getLong(1));
            }
        } catch (SQLException e) {
            throw unanswered("write", "integration " + integrationId, e);
        }
    }

    @Override
    public void delete(UUID integrationId, Optional<String> leaseOwner) {
        try (Connection connection = main.getConnection();
                PreparedStatement delete = connection.prepareStatement("""
                        WITH held AS (SELECT id FROM integration
                                       WHERE id = ? AND (?::text IS NULL OR lease_owner = ?) FOR SHARE),
                             gone AS (DELETE FROM integration_token t USING held WHERE t.integration_id = held.id)
                        SELECT count(*) FROM held
                        """)) {
            delete.setObject(1, integrationId);
            setOwner(delete, 2, leaseOwner);
            setOwner(delete, 3, leaseOwner);
            try (ResultSet row = delete.executeQuery()) {
                row.next();
                if (row.getLong(1) == 0 && leaseOwner.isPresent()) {
                    throw notHeld("delete", integrationId, leaseOwner);
                }
                // without an owner, a row already gone took its tokens with it (the foreign key cascades): nothing to do
            }
        } catch (SQLException e) {
            throw unanswered("delete", "integration " + integrationId, e);
        }
    }

    private static void setOwner(PreparedStatement statement, int index, Optional<String> leaseOwner) throws SQLException {
        if (leaseOwner.isPresent()) {
            statement.setString(index, leaseOwner.get());
        } else {
            statement.setNull(index, Types.VARCHAR);
        }
    }

    private static TokenStoreException notHeld(String operation, UUID integrationId, Optional<String> leaseOwner) {
        return new TokenStoreException("Sealed tokens of integration " + integrationId + ": no " + operation + ", "
                + (leaseOwner.isPresent() ? "the row is no longer held by " + leaseOwner.get() : "the row is gone"), false, null);
    }

    /** The database did not answer: transient, and a write whose commit went unanswered may have applied. */
    private static TokenStoreException unanswered(String operation, String integrations, SQLException e) {
        // the SQL state only: a driver message can quote the statement's parameters
        return new TokenStoreException("Sealed tokens of " + integrations + ": PostgreSQL did not answer the "
                + operation + " (SQL state " + e.getSQLState() + ")", true, null, null, !"read".equals(operation));
    }

    @Override
    public String table() {
        return TABLE;
    }

    @Override
    public List<Row> sealedWithOtherKeys(String keyId, UUID after, int limit) {
        return columns.sealedWithOtherKeys(keyId, after, limit);
    }

    @Override
    public void replace(UUID id, byte[] value, String keyId) {
        columns.replace(id, value, keyId);
    }

    @Override
    public long countSealedWithOtherKeys(String keyId) {
        return columns.countSealedWithOtherKeys(keyId);
    }
}
