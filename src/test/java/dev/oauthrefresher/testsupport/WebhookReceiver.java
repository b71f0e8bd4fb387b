package dev.oauthrefresher.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP receiver of webhook deliveries on a random loopback port: records every request with its headers
 * and raw body, answers from a script of statuses (200 once the script is used up), optionally after a delay or
 * trickling its body a byte at a time, and can go down (its port closed, connections refused) and come back on
 * the same port.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One request as received. */
    public record Received(Instant at, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    /** One scripted answer. */
    public record Answer(int status, Map<String, String> headers) {
        public static Answer of(int status) {
            return new Answer(status, Map.of());
        }
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    private final Set<String> answeredOk = ConcurrentHashMap.newKeySet();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final int port;
    private final List<Instant> hungUpOn = new CopyOnWriteArrayList<>();
    private volatile Duration delay = Duration.ZERO;
    private volatile Duration trickle = Duration.ZERO;
    private HttpServer server;

    public WebhookReceiver() {
        this.server = start(0);
        this.port = server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/hooks/oauth?source=refresher";
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Every request waits this long before its answer: a slow receiver, or one that hangs. */
    public void delay(Duration wait) {
        delay = wait;
    }

    /**
     * Answers 200 with a long body sent one byte per {@code every}, never finishing within a request timeout, until
     * the sender hangs up (recorded in {@link #hungUpOn()}) or a minute has passed.
     */
    public void trickle(Duration every) {
        trickle = every;
    }

    /** When a sender closed the connection while this receiver was still trickling an answer. */
    public List<Instant> hungUpOn() {
        return List.copyOf(hungUpOn);
    }

    /** The {@code webhook-id}s this receiver answered 2xx to. */
    public Set<String> answeredOk() {
        return Set.copyOf(answeredOk);
    }

    /** The next requests get these answers, in order. */
    public void answer(Answer... answers) {
        script.addAll(List.of(answers));
    }

    public synchronized void down() {
        server.stop(0);
        server = null;
    }

    public synchronized void up() {
        if (server == null) {
            server = start(port);
        }
    }

    private HttpServer start(int bindPort) {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), bindPort), 50);
            s.createContext("/", this::handle);
            s.setExecutor(executor);
            s.start();
            return s;
        } catch (IOException e) {
            throw new IllegalStateException("receiver could not listen", e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> headers = new java.util.HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(Instant.now(), headers, body));
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (!trickle.isZero()) {
                trickleBody(exchange);
                return;
            }
            Answer answer = Optional.ofNullable(script.poll()).orElse(Answer.of(200));
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(answer.status(), -1);
            if (answer.status() / 100 == 2 && headers.containsKey("webhook-id")) {
                answeredOk.add(headers.get("webhook-id"));
            }
        }
    }

    private void trickleBody(HttpExchange exchange) throws IOException {
        exchange.sendResponseHeaders(200, 100_000);
        Instant giveUp = Instant.now().plus(Duration.ofMinutes(1));
        try {
            while (Instant.now().isBefore(giveUp)) {
                exchange.getResponseBody().write('.');
                exchange.getResponseBody().flush();
                Thread.sleep(trickle.toMillis());
            }
        } catch (IOException hungUp) {
            hungUpOn.add(Instant.now());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public List<Received> receivedWithId(String webhookId) {
        List<Received> matching = new ArrayList<>();
        for (Received r : received) {
            if (webhookId.equals(r.header("webhook-id"))) {
                matching.add(r);
            }
        }
        return matching;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
        }
        executor.shutdownNow();
    }
}
