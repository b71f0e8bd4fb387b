package dev.oauthrefresher.tokenstore;

/**
 * A request this store did not send because its deadline had passed: the operation's worst case since it began, or
 * the end of the lease that allowed the write ({@link WriteLease#sendBy()}). Nothing reached the vault. Not transient
 * for the caller that began it (its lease or its moment is gone); a caller with nothing to protect, such as a read at
 * startup, may begin the operation again.
 */
public class NotSentException extends TokenStoreException {

    NotSentException(String message) {
        super(message, false, null);
    }
}
