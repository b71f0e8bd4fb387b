package dev.oauthrefresher.tokenstore;

/**
 * The store answered, but what it holds under the name is no token document (not JSON, a member missing).
 * Permanent: retrying reads the same bytes, so the integration needs an operator.
 */
public class UnreadableTokensException extends TokenStoreException {

    public UnreadableTokensException(String message) {
        super(message, false, null);
    }
}
