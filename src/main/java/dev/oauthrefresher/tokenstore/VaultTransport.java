package dev.oauthrefresher.tokenstore;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeader;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.core.util.CoreUtils;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.WebClient;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The Key Vault client's HTTP transport: azure-core's {@link HttpClient} on Vert.x's web client, each answer read
 * whole (secrets are small). Everything above it, the SDK's secret client, its pipeline and its challenge policy, is
 * the SDK's.
 *
 * <p>Bespoke because the SDK's own Vert.x transport ({@code azure-core-http-vertx} 1.1.3, and its main branch as of
 * 2026-12) settles one {@code Promise} from several listeners of the same response with {@code Promise.fail}: when a
 * vault call times out or its connection closes, every listener after the first throws "Result is already complete"
 * into Vert.x. Vert.x logs each as an uncaught ERROR with its stack (one or more per failed call: a vault that slows
 * down floods the log with them), and a listener that throws stops the notification of the future's listeners after
 * it. Its response timeout also left the timed-out request open on its pooled connection until the read-idle timeout
 * closed it. Here each call is one request of Vert.x's web client, settled once; its own timeout resets the request,
 * so a call that timed out gives its connection back at once.
 */
final class VaultTransport implements HttpClient {

    private final WebClient client;
    private final long timeoutMillis;

    /** @param requestTimeout the longest a call may go without any data from the vault before it is reset */
    VaultTransport(io.vertx.core.http.HttpClient client, Duration requestTimeout) {
        // Vert.x's web client reads the body whole as it arrives: a response's body read from a callback that runs
        // after the response's first chunks were delivered (another event loop's turn) would find them already gone
        this.client = WebClient.wrap(client);
        this.timeoutMillis = requestTimeout.toMillis();
    }

    @Override
    public Mono<HttpResponse> send(HttpRequest request) {
        return send(request, Context.NONE);
    }

    @Override
    public Mono<HttpResponse> send(HttpRequest request, Context context) {
        return Mono.fromCompletionStage(() -> exchange(request).toCompletionStage());
    }

    private Future<HttpResponse> exchange(HttpRequest request) {
        io.vertx.ext.web.client.HttpRequest<Buffer> sending = client
                .requestAbs(HttpMethod.valueOf(request.getHttpMethod().name()), request.getUrl().toString())
                .idleTimeout(timeoutMillis);
        for (HttpHeader header : request.getHeaders()) {
            sending.putHeader(header.getName(), header.getValue());
        }
        BinaryData body = request.getBodyAsBinaryData();
        Future<io.vertx.ext.web.client.HttpResponse<Buffer>> answered = body == null ? sending.send()
                : sending.sendBuffer(Buffer.buffer(body.toBytes()));
        return answered.map(response -> answer(request, response));
    }

    private static HttpResponse answer(HttpRequest request, io.vertx.ext.web.client.HttpResponse<Buffer> response) {
        HttpHeaders headers = new HttpHeaders();
        for (Map.Entry<String, String> header : response.headers()) {
            headers.add(HttpHeaderName.fromString(header.getKey()), header.getValue());
        }
        Buffer body = response.body();
        return new Answer(request, response.statusCode(), headers, body == null ? new byte[0] : body.getBytes());
    }

    /** A vault's answer, read whole: its body can be read any number of times, and closing it is a no-op. */
    private static final class Answer extends HttpResponse {

        private final int status;
        private final HttpHeaders headers;
        private final byte[] body;

        Answer(HttpRequest request, int status, HttpHeaders headers, byte[] body) {
            super(request);
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        @Deprecated
        public String getHeaderValue(String name) {
            return headers.getValue(HttpHeaderName.fromString(name));
        }

        @Override
        public String getHeaderValue(HttpHeaderName name) {
            return headers.getValue(name);
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            // a fresh buffer per subscriber: a reader that consumes one leaves the body whole for the next
            return body.length == 0 ? Flux.empty() : Flux.defer(() -> Flux.just(ByteBuffer.wrap(body).asReadOnlyBuffer()));
        }

        @Override
        public BinaryData getBodyAsBinaryData() {
            return BinaryData.fromBytes(body);
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return body.length == 0 ? Mono.empty() : Mono.just(body);
        }

        @Override
        public Mono<String> getBodyAsString() {
            return getBodyAsByteArray().map(bytes -> CoreUtils.bomAwareToString(bytes,
                    headers.getValue(HttpHeaderName.CONTENT_TYPE)));
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return getBodyAsByteArray().map(bytes -> new String(bytes, charset));
        }

        @Override
        public HttpResponse buffer() {
            return this;
        }
    }
}
