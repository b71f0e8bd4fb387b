package dev.oauthrefresher.keyring;

import java.util.List;
import java.util.UUID;

/**
 * A table that holds values sealed by the {@link KeyRing}, as the re-seal job sees it: each capability that seals rows
 * implements this over its own repository (its SQL stays there) and the job finds every implementation. Callers own the
 * transaction.
 */
public interface SealedRows {

    /** One sealed value: the row's id (its associated data), the value, and the key id its row records. */
    record Row(UUID id, byte[] value, String keyId) {

        @Override
        public String toString() {
            return "Row[" + id + ", key " + keyId + "]";
        }
    }

    /** The table's name, for metrics, logs and the job's recorded progress. */
    String table();

    /**
     * Up to {@code limit} rows not sealed with {@code keyId} whose id is above {@code after}, in id order, locked for
     * this transaction; rows another transaction holds are skipped (they are met again on the next pass).
     */
    List<Row> sealedWithOtherKeys(String keyId, UUID after, int limit);

    /** Replaces one row's value and key id (within the transaction that locked it). */
    void replace(UUID id, byte[] value, String keyId);

    /** Rows not sealed with {@code keyId}. */
    long countSealedWithOtherKeys(String keyId);
}
