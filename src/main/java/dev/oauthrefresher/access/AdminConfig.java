package dev.oauthrefresher.access;

import dev.oauthrefresher.common.Secret;
import io.smallrye.config.ConfigMapping;
import java.util.List;
import java.util.Optional;

/** Who may call the admin API. */
@ConfigMapping(prefix = "refresher.admin")
public interface AdminConfig {

    /**
     * Bearer tokens accepted by {@code /admin/*}; several at once so a token can be rotated without downtime.
     * Key {@code refresher.admin.tokens} (env {@code REFRESHER_ADMIN_TOKENS}, comma-separated), no default:
     * with none configured every admin call is refused. Each token is named in the audit trail as {@code admin:}
     * and the first 8 hex digits of its SHA-256, so an audit row says which token was used without holding it.
     */
    Optional<List<Secret>> tokens();
}
