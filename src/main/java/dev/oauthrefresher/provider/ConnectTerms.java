package dev.oauthrefresher.provider;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the hosted consent needs of one provider group: where to send the browser, as which client, asking for what by
 * default, with which extra parameters, and where to read the account when no ID token names it. No secret.
 *
 * @param authorizationEndpoint empty for a group that cannot be used for connect sessions
 * @param authorizationParameters the group's extra parameters (Google's preset among them), never a standard one
 */
public record ConnectTerms(String group, Provider type, String clientId, Optional<URI> authorizationEndpoint,
        List<String> defaultScopes, Map<String, String> authorizationParameters, Optional<URI> userinfoEndpoint) {

    /** The key that would give the group an authorization endpoint, for a message naming it. */
    public String authorizationEndpointKey() {
        return "refresher.providers." + group + ".authorization-endpoint";
    }
}
