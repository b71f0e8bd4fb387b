package dev.oauthrefresher.connect;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Request and response bodies of connect sessions and of the tenants' redirect-URI allow-lists. */
public final class ConnectDtos {

    /** RFC 6749 section 3.3: a scope token is one or more of %x21 / %x23-5B / %x5D-7E. */
    static final String SCOPE_TOKEN = "^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,256}$";

    private ConnectDtos() {
    }

    /**
     * {@code POST /v1/connect-sessions}: which group to consent in, for which scopes (default: the group's), where to
     * send the user back, and optionally which integration to reconnect and who the user is expected to be.
     */
    public record CreateConnectSession(
            @NotNull @Pattern(regexp = "^[a-z0-9][a-z0-9-]{0,62}$",
                    message = "must be 1-63 lowercase letters, digits or dashes") String providerGroup,
            @Size(min = 1, max = 50) List<@NotNull @Pattern(regexp = SCOPE_TOKEN,
                    message = "must be an OAuth scope token (RFC 6749 section 3.3)") String> scopes,
            @NotBlank @Size(max = 2048) String redirectUri,
            UUID integrationId,
            @Size(min = 1, max = 320) @Pattern(regexp = "^\\P{Cntrl}*$", message = "must not contain control characters")
            String loginHint) {
    }

    /** A created session: its id (256 random bits, the capability the link carries), the link for the user's browser, and its expiry. */
    public record ConnectSessionView(String id, String url, Instant expiresAt) {
    }

    /** {@code GET/PUT /admin/tenants/{id}/redirect-uris}: the URIs the tenant's connect sessions may return to. */
    public record RedirectUriList(@NotNull @Size(max = 32) List<@NotBlank @Size(max = 2048) String> redirectUris) {
    }
}
