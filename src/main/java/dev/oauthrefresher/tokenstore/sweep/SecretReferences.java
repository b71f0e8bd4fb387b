package dev.oauthrefresher.tokenstore.sweep;

import java.util.Collection;
import java.util.Set;

/**
 * What the registry says about token secrets, for {@link Orphans}: which names a row still has. Implemented where the
 * rows are ({@code integration/}), so this package never reads the registry's tables.
 */
public interface SecretReferences {

    /**
     * The names among {@code secretNames} that some integration row has, whatever vault it records: a row with the
     * name in another vault is a vault move in flight or its leftover copy, and a pending rotation or a lease always
     * belongs to a row. Blocking; its own transaction.
     */
    Set<String> referenced(Collection<String> secretNames);
}
