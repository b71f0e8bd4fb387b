package dev.oauthrefresher.access;

import dev.oauthrefresher.common.Secret;
import io.smallrye.config.ConfigMapping;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Who may call the admin API. */
@ConfigMapping(prefix = "refresher.admin")
public interface AdminConfig {

    /**
     * Bearer tokens accepted by {@code /admin/*}; several at once so a token can be rotated without downtime.
     * Key {@code refresher.admin.tokens} (env {@code REFRESHER_ADMIN_TOKENS}, comma-separated), no default:
     * with none configured (here or in {@link #namedTokens()}) every admin call is refused. Each token is named in
     * the audit trail as {@code admin:} and the first 8 hex digits of its SHA-256, so an audit row says which token
     * was used without holding it.
     */
    Optional<List<Secret>> tokens();

    /**
     * Admin tokens with a name the audit trail records: {@code refresher.admin.named-tokens.<name>=<token>} is
     * recorded as {@code admin:<name>}. Names are 1-63 lowercase letters, digits, dashes or underscores, starting
     * with a letter, and not 8 hex digits (which would read like an unnamed token's name); checked at startup. A
     * separate map beside {@link #tokens()} because SmallRye Config cannot hold a list and a map under one key; both
     * are accepted together. Key {@code refresher.admin.named-tokens.<name>}, no default.
     */
    Map<String, Secret> namedTokens();
}
