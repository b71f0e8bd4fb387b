package dev.oauthrefresher.webhook;

import dev.oauthrefresher.common.Transport;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.tracing.TracingPolicy;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * POSTs one signed delivery with Quarkus' Vert.x client: non-blocking, redirects never followed (a 3xx is a
 * failed attempt). The exchange has an absolute deadline, not an idle timeout: when it passes the request is reset,
 * which closes the connection, so a receiver that answers late or trickles its body frees the slot and the pooled
 * connection. It connects to the address {@link UrlGuard} checked while the URL's host name still drives the
 * {@code Host} header, SNI and certificate verification. The response body is read and dropped.
 */
@ApplicationScoped
class WebhookSender {

    private final HttpClient client;

    WebhookSender(Vertx vertx, WebhookConfig config) {
        int timeout = (int) Math.min(Integer.MAX_VALUE, config.requestTimeout().toMillis());
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout(timeout)
                .setVerifyHost(true)
                .setMaxPoolSize(config.concurrency())
                .setKeepAlive(true)
                // no client span of Vert.x's own: it would record the full URL, whose query may hold the receiver's
                // token, and send trace headers to a third party; WebhookDispatcher traces each delivery by its ids
                .setTracingPolicy(TracingPolicy.IGNORE));
    }

    /** Sends and reads the answer within {@code timeout}, connecting included; past it the request is reset. */
    Uni<DeliveryResult> post(UrlGuard.Target target, Map<String, String> headers, String body, Duration timeout) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setServer(SocketAddress.inetSocketAddress(target.port(), target.address().getHostAddress()))
                .setHost(target.uri().getHost())
                .setPort(target.port())
                .setSsl("https".equalsIgnoreCase(target.uri().getScheme()))
                .setURI(target.pathAndQuery())
                .setFollowRedirects(false);
        headers.forEach(options::putHeader);
        options.putHeader("content-type", "application/json");
        // Whichever of the two sides comes second resets the request: the deadline finding it sent, or the request
        // being obtained after the deadline passed.
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        AtomicBoolean expired = new AtomicBoolean();
        return Uni.createFrom().<DeliveryResult>completionStage(() -> client.request(options)
                        .compose(request -> {
                            sent.set(request);
                            if (expired.get()) {
                                request.reset();
                            }
                            return request.send(Buffer.buffer(body));
                        })
                        .compose(WebhookSender::drain)
                        .toCompletionStage())
                .ifNoItem().after(timeout).failWith(TimeoutException::new)
                .onFailure(TimeoutException.class).invoke(() -> {
                    expired.set(true);
                    HttpClientRequest request = sent.get();
                    if (request != null) {
                        request.reset();
                    }
                })
                .onFailure().recoverWithItem(WebhookSender::noAnswer);
    }

    private static io.vertx.core.Future<DeliveryResult> drain(HttpClientResponse response) {
        response.handler(ignored -> {
        });
        DeliveryResult answered = new DeliveryResult.Answered(response.statusCode(),
                Optional.ofNullable(response.getHeader("Retry-After")));
        return response.end().map(done -> answered).otherwise(answered);
    }

    /** The failure's kind only: a message may quote the URL, whose query can hold the receiver's own token. */
    private static DeliveryResult noAnswer(Throwable failure) {
        return new DeliveryResult.NoAnswer(switch (Transport.classify(failure)) {
            case TIMEOUT -> "timeout";
            case CONNECT -> "connection refused or timed out";
            case TLS -> "TLS failure";
            case DNS, CLOSED, OTHER -> "no answer (" + failure.getClass().getSimpleName() + ")";
        });
    }

    @PreDestroy
    void close() {
        client.close();
    }
}
