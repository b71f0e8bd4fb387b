package dev.oauthrefresher.provider;

import java.util.Optional;

/**
 * The configured provider groups, as registration needs to know them; the {@code provider} capability answers,
 * so that this package does not depend on it.
 */
public interface ProviderGroups {

    /** The provider type of a configured group, or empty when no group of that name is configured. */
    Optional<Provider> typeOf(String group);
}
