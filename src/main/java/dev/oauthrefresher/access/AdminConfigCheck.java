package dev.oauthrefresher.access;

import dev.oauthrefresher.common.BearerTokens;
import dev.oauthrefresher.common.Secret;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Refuses to start a service whose admin token names are not safe identifiers or whose tokens are ambiguous (one
 * value under two names), and a production service whose admin tokens, named or not, are guessable or still the
 * template's placeholder.
 */
@Singleton
class AdminConfigCheck {

    /** A name the audit trail can carry as it is: no spaces, no separators an audit reader could misread. */
    static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9_-]{0,62}$");
    /** What an unnamed token's name looks like ({@code admin:<8 hex digits>}); a named token must not. */
    private static final Pattern HASH_NAME = Pattern.compile("^[0-9a-f]{8}$");

    void onStart(@Observes StartupEvent event, AdminConfig config) {
        List<Secret> all = new ArrayList<>(config.tokens().orElse(List.of()));
        for (Map.Entry<String, Secret> named : config.namedTokens().entrySet()) {
            String key = "refresher.admin.named-tokens." + named.getKey();
            if (!NAME.matcher(named.getKey()).matches() || HASH_NAME.matcher(named.getKey()).matches()) {
                throw new IllegalStateException(key + ": an admin token's name must be 1-63 lowercase letters, digits, "
                        + "dashes or underscores, starting with a letter, and not 8 hex digits");
            }
            for (Secret other : all) {
                if (other.matches(named.getValue().reveal())) {
                    throw new IllegalStateException(key + " holds a token configured under another name too (or in "
                            + "refresher.admin.tokens): each admin token must have one name");
                }
            }
            all.add(named.getValue());
            if (LaunchMode.current() == LaunchMode.NORMAL) {
                BearerTokens.requireProductionStrength(key, List.of(named.getValue()));
            }
        }
        if (LaunchMode.current() == LaunchMode.NORMAL) {
            BearerTokens.requireProductionStrength("refresher.admin.tokens", config.tokens().orElse(List.of()));
        }
    }
}
