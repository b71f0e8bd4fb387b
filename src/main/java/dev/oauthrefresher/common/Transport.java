package dev.oauthrefresher.common;

import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * The one reader of an outbound HTTP call's failure, for the token endpoints, the webhook receivers and Key Vault
 * alike: which of a few {@link Failure kinds} it is, whatever Netty, Vert.x or the JDK wrapped it in. What a kind
 * means for the call (resend or not, retry or not, what to record) stays with each client.
 */
public final class Transport {

    /** Deeper cause chains are cut here; a chain that loops back on itself ends here too. */
    private static final int MAX_DEPTH = 32;

    /** How an outbound call failed without an HTTP answer. */
    public enum Failure {
        /** The host name did not resolve: no connection was made. */
        DNS,
        /** The connection was refused or timed out while connecting: it was never made. */
        CONNECT,
        /** No answer in time: the request may have been sent and acted on. */
        TIMEOUT,
        /** The TLS session failed: the handshake, or a record on an open session. */
        TLS,
        /** An open connection was reset or closed: the request may have been sent and acted on. */
        CLOSED,
        /** Not a transport failure this class knows. */
        OTHER;

        /**
         * Whether the failure proves that no byte of a request left: the connection was never made. A TLS failure
         * does not count: it can come after the request was written, and the exception does not say when.
         */
        public boolean nothingSent() {
            return this == DNS || this == CONNECT;
        }
    }

    private Transport() {
    }

    /**
     * The kind of {@code failure}, read along its cause chain. A name that did not resolve or a connection that was
     * not made anywhere in the chain decides first (it proves nothing was sent, however it was wrapped); otherwise the
     * outermost exception of a known kind decides.
     */
    public static Failure classify(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_DEPTH; t = t.getCause(), depth++) {
            if (t instanceof UnknownHostException) {
                return Failure.DNS;
            }
            // Netty's ConnectTimeoutException and Vert.x's annotated connect failures are ConnectExceptions too
            if (t instanceof ConnectException) {
                return Failure.CONNECT;
            }
        }
        depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_DEPTH; t = t.getCause(), depth++) {
            Failure kind = kindOf(t);
            if (kind != Failure.OTHER) {
                return kind;
            }
        }
        return Failure.OTHER;
    }

    /** One exception's own kind, its causes aside; the order matters, as SSL and socket timeouts are IOExceptions. */
    private static Failure kindOf(Throwable t) {
        if (t instanceof TimeoutException // Vert.x's request timeout (NoStackTraceTimeoutException) among them
                || t instanceof io.smallrye.mutiny.TimeoutException
                || t instanceof io.netty.handler.timeout.TimeoutException // read and write idle timeouts
                || t instanceof SocketTimeoutException
                || t instanceof HttpClosedException && t.getMessage() != null && t.getMessage().contains("timeout")) {
            return Failure.TIMEOUT;
        }
        if (t instanceof SSLException) {
            return Failure.TLS;
        }
        if (t instanceof HttpClosedException || t instanceof StreamResetException || t instanceof IOException
                // Vert.x fails the requests of a closed connection with this shared exception
                || t instanceof VertxException && "Connection was closed".equals(t.getMessage())) {
            return Failure.CLOSED;
        }
        return Failure.OTHER;
    }
}
