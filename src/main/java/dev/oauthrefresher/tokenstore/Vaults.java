package dev.oauthrefresher.tokenstore;

import io.quarkus.runtime.configuration.ConfigurationException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The configured Key Vaults by name, validated at startup: which of them receive new integrations, how a new
 * integration is given one, and where webhook signing secrets live. In mock mode with no vault configured there
 * is one, {@code default}, without a URL: the memory store ignores vault names, but rows still record one.
 */
public final class Vaults {

    static final String URL_KEY = "refresher.token-store.key-vault.url";
    static final String VAULTS_KEY = "refresher.token-store.key-vault.vaults";
    static final String ASSIGN_TO_KEY = "refresher.token-store.key-vault.assign-to";
    private static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,24}");

    private final SortedMap<String, Optional<URI>> urls;
    private final List<String> assignTo;
    private final String webhookVault;

    private Vaults(SortedMap<String, Optional<URI>> urls, List<String> assignTo, String webhookVault) {
        this.urls = Collections.unmodifiableSortedMap(urls);
        this.assignTo = List.copyOf(assignTo);
        this.webhookVault = webhookVault;
    }

    /** The vaults of this configuration, or a {@link ConfigurationException} naming the key that is wrong. */
    public static Vaults of(TokenStoreConfig config) {
        TokenStoreConfig.KeyVault keyVault = config.keyVault();
        return of(keyVault.url(), keyVault.vaults(), keyVault.assignTo(), config.kind() == TokenStoreConfig.Kind.KEY_VAULT);
    }

    static Vaults of(Optional<URI> url, Map<String, URI> vaults, Optional<List<String>> assignTo, boolean urlsRequired) {
        SortedMap<String, Optional<URI>> urls = new TreeMap<>();
        if (url.isPresent()) {
            if (vaults.containsKey(SecretRef.DEFAULT_VAULT)) {
                throw new ConfigurationException(URL_KEY + " is the vault named 'default'; " + VAULTS_KEY
                        + ".default sets it a second time. Set one of them.", Set.of(URL_KEY, VAULTS_KEY + ".default"));
            }
            urls.put(SecretRef.DEFAULT_VAULT, Optional.of(https(URL_KEY, url.get())));
        }
        vaults.forEach((name, uri) -> {
            String key = VAULTS_KEY + "." + name;
            if (!NAME.matcher(name).matches()) {
                throw new ConfigurationException(key + ": a vault name is 1 to 24 lowercase letters, digits or dashes.",
                        Set.of(key));
            }
            if (SecretRef.DATABASE.equals(name)) {
                throw new ConfigurationException(key + ": '" + SecretRef.DATABASE + "' is the sealed layout's location "
                        + "(tokens sealed in PostgreSQL), not a name a vault can take.", Set.of(key));
            }
            urls.put(name, Optional.of(https(key, uri)));
        });
        if (urls.isEmpty()) {
            if (urlsRequired) {
                throw new ConfigurationException(URL_KEY + " is required when refresher.token-store.kind=key-vault "
                        + "(e.g. https://my-vault.vault.azure.net), or name several vaults in " + VAULTS_KEY + ".<name>.",
                        Set.of(URL_KEY));
            }
            urls.put(SecretRef.DEFAULT_VAULT, Optional.empty());
        }
        return new Vaults(urls, assignTo(assignTo, urls.keySet()), webhookVault(urls.keySet()));
    }

    private static URI https(String key, URI url) {
        if (!"https".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
            throw new ConfigurationException(key + " must be an https URL with a host, e.g. https://my-vault.vault.azure.net.",
                    Set.of(key));
        }
        return url;
    }

    private static List<String> assignTo(Optional<List<String>> configured, Set<String> names) {
        if (configured.isEmpty()) {
            return List.copyOf(names);
        }
        Set<String> chosen = new LinkedHashSet<>(configured.get());
        for (String name : chosen) {
            if (!names.contains(name) && !SecretRef.DATABASE.equals(name)) {
                throw new ConfigurationException(ASSIGN_TO_KEY + " names vault '" + name + "', which is not configured "
                        + "(configured: " + String.join(", ", names) + "; or '" + SecretRef.DATABASE
                        + "', the sealed layout).", Set.of(ASSIGN_TO_KEY));
            }
        }
        if (chosen.isEmpty()) {
            throw new ConfigurationException(ASSIGN_TO_KEY + " names no vault: new integrations need one.", Set.of(ASSIGN_TO_KEY));
        }
        return List.copyOf(chosen);
    }

    /**
     * {@code default} if configured, else the only vault. Not "the first by name": adding a vault that sorts first
     * would then silently move where every endpoint's secret is looked up. So several vaults need one named default.
     */
    private static String webhookVault(Set<String> names) {
        if (names.contains(SecretRef.DEFAULT_VAULT)) {
            return SecretRef.DEFAULT_VAULT;
        }
        if (names.size() == 1) {
            return names.iterator().next();
        }
        throw new ConfigurationException(VAULTS_KEY + " names several vaults and none 'default': webhook signing "
                + "secrets live in the vault named 'default' (" + URL_KEY + " or " + VAULTS_KEY + ".default).",
                Set.of(VAULTS_KEY));
    }

    /** Every configured vault's name, in name order; not the sealed layout's {@link SecretRef#DATABASE}, which is no vault. */
    public Set<String> names() {
        return urls.keySet();
    }

    /** Whether integrations' tokens can be kept at {@code location}: a configured vault, or the sealed layout. */
    public boolean isConfigured(String location) {
        return urls.containsKey(location) || SecretRef.DATABASE.equals(location);
    }

    /** Every location integrations' tokens can be kept at: the configured vaults, then the sealed layout. */
    public List<String> locations() {
        List<String> all = new ArrayList<>(urls.keySet());
        all.add(SecretRef.DATABASE);
        return List.copyOf(all);
    }

    /** The vault's URL; empty only in mock mode's implicit {@code default}. */
    Optional<URI> url(String vault) {
        return urls.getOrDefault(vault, Optional.empty());
    }

    /** The locations new integrations go to: vaults, and {@link SecretRef#DATABASE} where the sealed layout is chosen. */
    public List<String> assignTo() {
        return assignTo;
    }

    /** Where webhook endpoints' signing secrets are kept. */
    public String webhookVault() {
        return webhookVault;
    }

    /**
     * The vault a new integration goes to: rendezvous (highest-random-weight) hashing of its id over
     * {@link #assignTo()}. Ids are random, so even one tenant's integrations spread evenly; the choice is recorded on
     * the row and never recomputed, so adding a vault moves nothing already stored.
     */
    public String assign(UUID integrationId) {
        String best = null;
        long bestWeight = 0;
        for (String vault : assignTo) {
            long weight = weight(vault, integrationId);
            if (best == null || Long.compareUnsigned(weight, bestWeight) > 0) {
                best = vault;
                bestWeight = weight;
            }
        }
        return best;
    }

    private static long weight(String vault, UUID id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((vault + "/" + id).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
