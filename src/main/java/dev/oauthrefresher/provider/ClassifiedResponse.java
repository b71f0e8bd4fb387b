package dev.oauthrefresher.provider;

/**
 * Carries an already classified token-endpoint answer from {@link TokenEndpointFilter} out of the oidc client
 * to {@link ProviderGateway}. The message names the outcome only; no stack trace, as it is an expected outcome.
 */
final class ClassifiedResponse extends RuntimeException {

    private final transient RefreshResult result;

    ClassifiedResponse(RefreshResult result) {
        super("token endpoint answered: " + result.getClass().getSimpleName(), null, false, false);
        this.result = result;
    }

    RefreshResult result() {
        return result;
    }
}
