package dev.oauthrefresher.testsupport;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.time.OffsetDateTime;
import reactor.core.publisher.Mono;

/**
 * Stands in for Microsoft Entra ID in front of {@link KeyVaultFake}: hands out a fixed bearer token for any
 * scope. Enabled only by {@link KeyVaultProfile}.
 */
@Alternative
@ApplicationScoped
public class FakeAzureCredential implements TokenCredential {

    @Override
    public Mono<AccessToken> getToken(TokenRequestContext request) {
        return Mono.just(new AccessToken("fake-entra-token", OffsetDateTime.now().plusHours(1)));
    }
}
