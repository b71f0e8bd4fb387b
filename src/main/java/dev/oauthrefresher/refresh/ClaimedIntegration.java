package dev.oauthrefresher.refresh;

import dev.oauthrefresher.provider.Provider;
import dev.oauthrefresher.integration.Integration;
import dev.oauthrefresher.tokenstore.SecretRef;
import java.time.Instant;
import java.util.UUID;

/** What a run needs of a claimed row, detached from the persistence context that loaded it. */
public record ClaimedIntegration(UUID id, String tenantId, Provider provider, String providerGroup, SecretRef secret,
        Instant accessTokenExpiresAt, int consecutiveFailures) {

    public static ClaimedIntegration of(Integration i) {
        return new ClaimedIntegration(i.id(), i.tenantId(), i.provider(), i.providerGroup(), i.secretRef(),
                i.accessTokenExpiresAt(), i.consecutiveFailures());
    }

    /** The vault the row records: every token-store call for it goes there. */
    public String vault() {
        return secret.vault();
    }
}
