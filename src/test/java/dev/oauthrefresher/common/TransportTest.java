package dev.oauthrefresher.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.oauthrefresher.common.Transport.Failure;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.WriteTimeoutException;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each transport failure of the three outbound clients, as real Netty, Vert.x and JDK exceptions, read to its kind. */
class TransportTest {

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(new UnknownHostException("token.example.invalid"), Failure.DNS),
                Arguments.of(new ConnectException("Connection refused"), Failure.CONNECT),
                Arguments.of(new ConnectTimeoutException("connection timed out: /10.0.0.1:443"), Failure.CONNECT),
                Arguments.of(new TimeoutException(), Failure.TIMEOUT),
                Arguments.of(new NoStackTraceTimeoutException("The timeout period of 5000ms has been exceeded"),
                        Failure.TIMEOUT),
                Arguments.of(new io.smallrye.mutiny.TimeoutException(), Failure.TIMEOUT),
                Arguments.of(ReadTimeoutException.INSTANCE, Failure.TIMEOUT),
                Arguments.of(WriteTimeoutException.INSTANCE, Failure.TIMEOUT),
                Arguments.of(new SocketTimeoutException("Read timed out"), Failure.TIMEOUT),
                Arguments.of(new HttpClosedException("Connection was closed after the idle timeout"), Failure.TIMEOUT),
                Arguments.of(new SSLHandshakeException("PKIX path building failed"), Failure.TLS),
                Arguments.of(new SSLException("Received fatal alert: bad_record_mac"), Failure.TLS),
                Arguments.of(new HttpClosedException("Connection was closed"), Failure.CLOSED),
                Arguments.of(new VertxException("Connection was closed", true), Failure.CLOSED),
                Arguments.of(new StreamResetException(8), Failure.CLOSED),
                Arguments.of(new SocketException("Connection reset"), Failure.CLOSED),
                Arguments.of(new IOException("Connection reset by peer"), Failure.CLOSED),
                Arguments.of(new ClosedChannelException(), Failure.CLOSED),
                Arguments.of(new VertxException("Something else"), Failure.OTHER),
                Arguments.of(new IllegalStateException("bug"), Failure.OTHER),
                Arguments.of(new NullPointerException(), Failure.OTHER));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void shouldClassifyEachTransportFailureByItsType(Throwable failure, Failure expected) {
        assertThat(Transport.classify(failure)).isEqualTo(expected);
    }

    @ParameterizedTest
    @MethodSource("failures")
    void shouldClassifyAFailureWrappedInAnotherTheSameWay(Throwable failure, Failure expected) {
        assertThat(Transport.classify(new CompletionException(new RuntimeException("wrapper", failure))))
                .isEqualTo(expected);
    }

    @ParameterizedTest
    @MethodSource("failures")
    void shouldCountOnlyAConnectionNeverMadeAsNothingSent(Throwable failure, Failure expected) {
        assertThat(Transport.classify(failure).nothingSent()).isEqualTo(expected == Failure.DNS || expected == Failure.CONNECT);
    }

    @Test
    void shouldReadATlsFailureNettyWrappedInADecoderException() {
        assertThat(Transport.classify(new DecoderException(new SSLHandshakeException("no cipher suites in common"))))
                .isEqualTo(Failure.TLS);
    }

    @Test
    void shouldLetAConnectionNeverMadeDecideOverTheExceptionWrappingIt() {
        assertThat(Transport.classify(new VertxException("Connection was closed", new ConnectException("Connection refused"))))
                .isEqualTo(Failure.CONNECT);
        assertThat(Transport.classify(new SSLException("handshake", new UnknownHostException("gone.invalid"))))
                .isEqualTo(Failure.DNS);
    }

    @Test
    void shouldLetTheOutermostKnownKindDecideOtherwise() {
        assertThat(Transport.classify(new SSLException("broken session", new SocketException("Connection reset"))))
                .isEqualTo(Failure.TLS);
        assertThat(Transport.classify(new TimeoutException().initCause(new IOException("closed"))))
                .isEqualTo(Failure.TIMEOUT);
    }

    @Test
    void shouldEndOnACauseChainThatLoopsBackOnItself() {
        RuntimeException outer = new RuntimeException("outer");
        RuntimeException inner = new RuntimeException("inner", outer);
        outer.initCause(inner);
        assertThat(Transport.classify(outer)).isEqualTo(Failure.OTHER);
    }
}
