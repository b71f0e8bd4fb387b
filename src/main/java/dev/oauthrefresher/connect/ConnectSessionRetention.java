package dev.oauthrefresher.connect;

import dev.oauthrefresher.retention.RetainedTable;
import dev.oauthrefresher.retention.RetentionFamily;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code connect_session}'s retention ({@code refresher.retention.connect-sessions}), counted from each session's expiry:
 * past it the session's link and callback only answer {@code session_expired}, so the row serves nothing but an
 * operator's question about a user's failed connect. Its sealed verifier is gone once the session ended, at the latest
 * with the row.
 */
@ApplicationScoped
class ConnectSessionRetention implements RetainedTable.Batched {

    private final ConnectSessionRepository sessions;

    ConnectSessionRetention(ConnectSessionRepository sessions) {
        this.sessions = sessions;
    }

    @Override
    public RetentionFamily family() {
        return RetentionFamily.CONNECT_SESSIONS;
    }

    @Override
    public String table() {
        return "connect_session";
    }

    @Override
    public Optional<Instant> oldest() {
        return sessions.oldestExpiry();
    }

    @Override
    public int purge(Instant cutoff, int batch) {
        return sessions.purgeExpired(cutoff, batch);
    }
}
