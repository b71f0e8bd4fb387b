package dev.oauthrefresher.provider;

import dev.oauthrefresher.common.Secret;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Placeholder until the provider branch lands. */
@ApplicationScoped
public class ProviderGateway {

    public Uni<RefreshResult> refresh(String providerGroup, Secret refreshToken) {
        return Uni.createFrom().item(new RefreshResult.UnknownGroup(providerGroup));
    }
}
