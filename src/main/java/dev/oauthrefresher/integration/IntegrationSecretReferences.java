package dev.oauthrefresher.integration;

import dev.oauthrefresher.tokenstore.sweep.SecretReferences;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Set;

/** The registry's answer to the orphan sweep and the registration's compensation: which secret names a row has. */
@ApplicationScoped
public class IntegrationSecretReferences implements SecretReferences {

    private final IntegrationRepository integrations;

    IntegrationSecretReferences(IntegrationRepository integrations) {
        this.integrations = integrations;
    }

    @Override
    public Set<String> referenced(Collection<String> secretNames) {
        return QuarkusTransaction.requiringNew().call(() -> integrations.referencedSecretNames(secretNames));
    }
}
