package dev.oauthrefresher.keyring;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.oauthrefresher.common.Secret;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;

/**
 * One version of the ring, immutable and checked when it is built: every key 32 bytes, ids unique and well formed, the
 * current key one of them. A problem is a {@link ConfigurationException} naming the setting and the key id, never a
 * key's value. {@link #toString()} names the ids only.
 */
final class Ring {

    /** The id of the previous release's key ({@link LegacyKeyConfig}); no ring document may use it for a key of its own. */
    static final String LEGACY = "legacy";
    /** The setting the legacy key comes from. */
    static final String LEGACY_SETTING = "refresher.refresh.pending-rotation-key";
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");
    private static final int KEY_BYTES = 32;
    private static final JsonMapper JSON = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    /**
     * One key. {@code storedId} is what {@code key_id} columns record for values it sealed: its id, except the legacy key,
     * which the previous release recorded as the first 8 bytes of its SHA-256 in hex (and still looks rows up by).
     */
    record Member(String id, String storedId, SecretKeySpec key) {

        boolean legacy() {
            return LEGACY.equals(id);
        }

        @Override
        public String toString() {
            return "Member[" + id + "]";
        }
    }

    private final Map<String, Member> members;
    private final Map<String, Member> byStoredId;
    private final Member current;
    private final String origin;

    private Ring(Map<String, Member> members, String current, String origin) {
        this.members = Collections.unmodifiableMap(new TreeMap<>(members));
        Map<String, Member> stored = new TreeMap<>();
        members.values().forEach(m -> stored.put(m.storedId(), m));
        this.byStoredId = Collections.unmodifiableMap(stored);
        this.current = members.get(current);
        this.origin = origin;
    }

    /**
     * A ring document, {@code {"current":"<id>","keys":{"<id>":"<base64>"}}}, read from {@code origin} (named in every
     * error, with {@code setting}, the key that says where it comes from).
     */
    static Ring parse(String document, Optional<Secret> legacy, String origin, String setting) {
        JsonNode root;
        try {
            root = JSON.readTree(document);
        } catch (IOException e) {
            // the cause is dropped on purpose: a parser's message quotes the document, keys and all
            throw invalid(setting, origin + " is not a JSON key-ring document (a duplicate key id is refused too)");
        }
        if (root == null || !root.isObject() || !root.path("keys").isObject() || !root.path("current").isTextual()) {
            throw invalid(setting, origin + " must be {\"current\":\"<id>\",\"keys\":{\"<id>\":\"<base64 of 32 bytes>\"}}");
        }
        Map<String, Secret> keys = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("keys").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().isTextual()) {
                throw invalid(setting, origin + ": key '" + printable(entry.getKey()) + "' must be a base64 string");
            }
            keys.put(entry.getKey(), Secret.of(entry.getValue().asText()));
        }
        return of(keys, Optional.of(root.get("current").asText()), legacy, origin, setting);
    }

    /**
     * A ring of {@code keys} (by id) with the previous release's key beside them, if configured. Without a current key
     * of its own the legacy key is current; with neither there is no ring.
     */
    static Ring of(Map<String, Secret> keys, Optional<String> current, Optional<Secret> legacy, String origin, String setting) {
        Map<String, Member> members = new LinkedHashMap<>();
        keys.forEach((id, value) -> {
            if (!ID.matcher(id).matches()) {
                throw invalid(setting, origin + ": key id '" + printable(id) + "' must be 1 to 32 letters, digits, '.', '_' "
                        + "or '-', starting with a letter or digit");
            }
            if (id.equals(LEGACY)) {
                throw invalid(setting, origin + ": key id 'legacy' is reserved for " + LEGACY_SETTING);
            }
            members.put(id, new Member(id, id, aes(value, setting, origin + ": key '" + id + "'")));
        });
        legacy.ifPresent(value -> {
            SecretKeySpec key = aes(value, LEGACY_SETTING, LEGACY_SETTING);
            members.put(LEGACY, new Member(LEGACY, fingerprint(key), key));
        });
        String chosen = current.orElse(legacy.isPresent() && keys.isEmpty() ? LEGACY : null);
        if (chosen == null) {
            throw invalid(setting, origin + " names no current key");
        }
        if (!members.containsKey(chosen)) {
            throw invalid(setting, origin + ": the current key '" + printable(chosen) + "' is not one of its keys "
                    + members.keySet());
        }
        Set<String> stored = new java.util.HashSet<>();
        for (Member m : members.values()) {
            if (!stored.add(m.storedId())) {
                throw invalid(setting, origin + ": key id '" + m.storedId() + "' is the legacy key's stored id; choose another");
            }
        }
        return new Ring(members, chosen, origin);
    }

    /** A ring of one key made up for this process: rows it seals open nowhere else. */
    static Ring ephemeral(byte[] raw) {
        String id = "ephemeral-" + fingerprint(new SecretKeySpec(raw, "AES")).substring(0, 8);
        return new Ring(Map.of(id, new Member(id, id, new SecretKeySpec(raw, "AES"))), id, "a random key of this process");
    }

    Member current() {
        return current;
    }

    Optional<Member> byId(String id) {
        return Optional.ofNullable(members.get(id));
    }

    Optional<Member> legacy() {
        return byId(LEGACY);
    }

    /** The member that sealed a value whose column says {@code storedId}. */
    Optional<Member> byStoredId(String storedId) {
        return Optional.ofNullable(byStoredId.get(storedId));
    }

    /** Every id a {@code key_id} column may hold for a value this ring opens. */
    Set<String> storedIds() {
        return byStoredId.keySet();
    }

    Set<String> ids() {
        return members.keySet();
    }

    String origin() {
        return origin;
    }

    /** Same ids, same current, same keys: a re-read that changed nothing. */
    boolean sameAs(Ring other) {
        if (other == null || !current.id().equals(other.current.id()) || !members.keySet().equals(other.members.keySet())) {
            return false;
        }
        return members.values().stream().allMatch(m -> MessageDigest.isEqual(m.key().getEncoded(),
                other.members.get(m.id()).key().getEncoded()));
    }

    @Override
    public String toString() {
        return "Ring[keys=" + members.keySet() + ", current=" + current.id() + "]";
    }

    private static SecretKeySpec aes(Secret value, String setting, String what) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(value.reveal().trim());
        } catch (IllegalArgumentException e) {
            throw invalid(setting, what + " must be base64 (openssl rand -base64 32)");
        }
        if (raw.length != KEY_BYTES) {
            throw invalid(setting, what + " must decode to 32 bytes (AES-256), not " + raw.length);
        }
        return new SecretKeySpec(raw, "AES");
    }

    /** The previous release's key id: the first 8 bytes of the key's SHA-256, hex. */
    static String fingerprint(SecretKeySpec key) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** An id as found in a document, cut short and without control characters, since it goes into a message. */
    private static String printable(String id) {
        String cut = id.length() > 40 ? id.substring(0, 40) + "…" : id;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    static ConfigurationException invalid(String setting, String problem) {
        return new ConfigurationException(setting + ": " + problem, Set.of(setting));
    }
}
