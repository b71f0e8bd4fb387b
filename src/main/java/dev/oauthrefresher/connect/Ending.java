package dev.oauthrefresher.connect;

/**
 * Every way a connect session ends, as the app's redirect URI is told: {@code outcome=connected|reconnected}, or
 * {@code error=<code>}. Nothing is stored unless it ends {@link #CONNECTED} or {@link #RECONNECTED}.
 */
enum Ending {
    /** A new integration was registered with the grant. */
    CONNECTED("connected", true),
    /** The integration the session named (or the tenant's one for this account) got the new grant and is active. */
    RECONNECTED("reconnected", true),
    /** The user refused consent at the provider ({@code error=access_denied} from it). */
    ACCESS_DENIED("access_denied", false),
    /** The provider answered the authorization request with another error, or without a code. */
    AUTHORIZATION_FAILED("authorization_failed", false),
    /** The callback did not come from the browser that opened the session (no or another binding cookie). */
    STATE_MISMATCH("state_mismatch", false),
    /** The session was already opened or ended: a session is used once. */
    SESSION_USED("session_used", false),
    /** The session outlived {@code refresher.connect.session-lifetime}. */
    SESSION_EXPIRED("session_expired", false),
    /** The token endpoint refused the code (expired, used, PKCE mismatch) or the group's client. */
    EXCHANGE_FAILED("exchange_failed", false),
    /** The provider could not be reached or answered with a transient error; the group is gone from configuration. */
    PROVIDER_UNAVAILABLE("provider_unavailable", false),
    /** The provider issued no refresh token (Google without offline access or a fresh consent). */
    NO_REFRESH_TOKEN("no_refresh_token", false),
    /** Neither an ID token nor the userinfo endpoint named the account. */
    ACCOUNT_UNKNOWN("account_unknown", false),
    /** A reconnect consented with another account than the integration's. */
    WRONG_ACCOUNT("wrong_account", false),
    /** The tenant already has this account's integration in another provider group of the same provider. */
    ACCOUNT_IN_OTHER_GROUP("account_in_other_group", false),
    /** The integration the session named was disconnected meanwhile. */
    INTEGRATION_NOT_FOUND("integration_not_found", false),
    /** The registration was refused (the group left the tenant's allow-list meanwhile). */
    NOT_ALLOWED("not_allowed", false),
    /** The token store or the integration was busy: start a new session. */
    TEMPORARILY_UNAVAILABLE("temporarily_unavailable", false),
    /** Anything else; logged with its type. */
    SERVER_ERROR("server_error", false);

    private final String code;
    private final boolean success;

    Ending(String code, boolean success) {
        this.code = code;
        this.success = success;
    }

    String code() {
        return code;
    }

    boolean success() {
        return success;
    }
}
