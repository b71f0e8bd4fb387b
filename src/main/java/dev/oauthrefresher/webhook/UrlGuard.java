package dev.oauthrefresher.webhook;

import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Keeps webhook deliveries off internal networks (SSRF). A receiver URL must be {@code https} with a host whose
 * every address is public: no loopback, private (RFC 1918, IPv6 unique-local), link-local (cloud metadata at
 * {@code 169.254.169.254} included), carrier-grade NAT, multicast or unspecified address, unless it lies in
 * {@code refresher.webhooks.allowed-networks}. {@code refresher.webhooks.allow-insecure-urls} admits {@code http}
 * and loopback for dev and tests. Checked when the endpoint is registered and again before every attempt, and the
 * attempt connects to the very address that was checked, so DNS cannot be changed between check and use.
 *
 * <p>Host names are looked up asynchronously (Netty's DNS resolver on a thread of its own, the hosts file first),
 * bounded by {@code refresher.webhooks.dns-timeout}, so a tenant's slow name server holds no worker thread. A host
 * that does not resolve in time, or resolves to a non-public address, is refused with one wording that names no
 * address: the answer tells a caller nothing about internal names.
 */
@ApplicationScoped
class UrlGuard {

    /** Why a URL is refused, worded for the tenant who gave it: never an address or a host the service resolved. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    static final String NOT_PUBLIC = "must resolve, within the lookup's time limit, to public addresses only "
            + "(loopback, private, link-local and other non-public addresses are refused)";

    /** Where an attempt goes: the URL as given and the checked address to connect to. */
    record Target(URI uri, InetAddress address) {
        int port() {
            return uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        }

        String pathAndQuery() {
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        }
    }

    private final boolean allowInsecure;
    private final List<Cidr> allowed;
    private final Duration dnsTimeout;
    private final NioEventLoopGroup dnsLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("webhook-dns", true));
    private final DnsNameResolver resolver;

    @Inject
    UrlGuard(WebhookConfig config) {
        this(config, DnsServerAddressStreamProviders.platformDefault());
    }

    /** With the name servers to ask (the system's, from {@code /etc/resolv.conf}, unless a test brings its own). */
    UrlGuard(WebhookConfig config, DnsServerAddressStreamProvider nameServers) {
        this.allowInsecure = config.allowInsecureUrls();
        this.allowed = config.allowedNetworks().orElse(List.of()).stream().map(Cidr::parse).toList();
        // an attempt's lookup counts against its request timeout: it can never be allowed longer
        this.dnsTimeout = config.dnsTimeout().compareTo(config.requestTimeout()) < 0 ? config.dnsTimeout() : config.requestTimeout();
        this.resolver = new DnsNameResolverBuilder(dnsLoop.next())
                .datagramChannelType(NioDatagramChannel.class)
                .nameServerProvider(nameServers)
                .queryTimeoutMillis(dnsTimeout.toMillis())
                .build();
    }

    /** The URL's syntax and scheme, before any lookup. */
    URI parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException | NullPointerException e) {
            throw new Refused("must be an absolute URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new Refused("must be an absolute URL with a host");
        }
        if (!scheme.equals("https") && !(allowInsecure && scheme.equals("http"))) {
            throw new Refused(allowInsecure ? "must use https or http" : "must use https");
        }
        if (uri.getRawUserInfo() != null) {
            throw new Refused("must not contain credentials");
        }
        if (uri.getRawFragment() != null) {
            throw new Refused("must not contain a fragment");
        }
        return uri;
    }

    /**
     * Resolves the host without blocking and checks every address it has; fails with {@link Refused}. The item
     * arrives on the resolver's thread: move blocking work off it.
     */
    Uni<Target> check(String url) {
        URI uri;
        try {
            uri = parse(url);
        } catch (Refused refused) {
            return Uni.createFrom().failure(refused);
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        return Uni.createFrom().<List<InetAddress>>emitter(emitter -> {
                    io.netty.util.concurrent.Future<List<InetAddress>> lookup = resolver.resolveAll(host);
                    lookup.addListener(done -> {
                        if (lookup.isSuccess()) {
                            emitter.complete(lookup.getNow());
                        } else {
                            emitter.fail(lookup.cause());
                        }
                    });
                })
                .ifNoItem().after(dnsTimeout).fail()
                .onFailure().transform(failure -> new Refused(NOT_PUBLIC))
                .map(addresses -> {
                    if (addresses.isEmpty() || !addresses.stream().allMatch(this::permitted)) {
                        throw new Refused(NOT_PUBLIC);
                    }
                    return new Target(uri, addresses.get(0));
                });
    }

    @PreDestroy
    void close() {
        resolver.close();
        dnsLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private boolean permitted(InetAddress address) {
        if (allowed.stream().anyMatch(cidr -> cidr.contains(address))) {
            return true;
        }
        if (address.isLoopbackAddress()) {
            return allowInsecure;
        }
        return isPublic(address);
    }

    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (b.length == 4) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 // "this network"
                    && !(first == 100 && second >= 64 && second < 128) // carrier-grade NAT, 100.64.0.0/10
                    && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    && !(first == 198 && (second == 18 || second == 19)) // benchmarking
                    && first < 240; // reserved, broadcast
        }
        if ((b[0] & 0xfe) == 0xfc) {
            return false; // unique local fc00::/7, AWS's IPv6 metadata address fd00:ec2::254 among them
        }
        if (isIpv4Mapped(b)) {
            try {
                return isPublic(InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)));
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    /** A network in CIDR notation, e.g. {@code 10.20.0.0/16} or {@code fd12:3456::/32}. */
    record Cidr(byte[] network, int prefix) {

        static Cidr parse(String text) {
            String[] parts = text.trim().split("/", -1);
            try {
                if (parts.length != 2 || !parts[0].matches("[0-9a-fA-F:.]+")) {
                    throw new IllegalArgumentException();
                }
                byte[] network = InetAddress.getByName(parts[0]).getAddress();
                int prefix = Integer.parseInt(parts[1]);
                if (prefix < 0 || prefix > network.length * 8) {
                    throw new IllegalArgumentException();
                }
                return new Cidr(network, prefix);
            } catch (IllegalArgumentException | UnknownHostException e) {
                throw new IllegalArgumentException("refresher.webhooks.allowed-networks: '" + text
                        + "' is not a network in CIDR notation such as 10.20.0.0/16");
            }
        }

        boolean contains(InetAddress address) {
            byte[] candidate = address.getAddress();
            if (candidate.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (candidate[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (candidate[full] & mask) == (network[full] & mask);
        }
    }
}
