package dev.oauthrefresher.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The SSRF guard with production settings (https only, public addresses only) and with its two escape hatches. */
class UrlGuardTest {

    static UrlGuard guard(boolean allowInsecure, List<String> allowedNetworks) {
        return new UrlGuard(new Settings(allowInsecure, allowedNetworks));
    }

    static final UrlGuard PROD = guard(false, List.of());

    /** The guard's answer, waited for: the target, or the {@link UrlGuard.Refused} it failed with. */
    static UrlGuard.Target check(UrlGuard guard, String url) {
        return guard.check(url).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void shouldAcceptAnHttpsUrlWhoseAddressIsPublic() {
        UrlGuard.Target target = check(PROD, "https://93.184.216.34:8443/hooks?x=1");

        assertThat(target.address().getHostAddress()).isEqualTo("93.184.216.34");
        assertThat(target.port()).isEqualTo(8443);
        assertThat(target.pathAndQuery()).isEqualTo("/hooks?x=1");
    }

    @Test
    void shouldRefusePlainHttpAndOtherSchemesInProduction() {
        assertThatThrownBy(() -> check(PROD, "http://93.184.216.34/hooks")).hasMessage("must use https");
        assertThatThrownBy(() -> check(PROD, "ftp://93.184.216.34/hooks")).hasMessage("must use https");
        assertThatThrownBy(() -> check(PROD, "/relative")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> check(PROD, "https://user:pw@93.184.216.34/")).hasMessageContaining("credentials");
    }

    @Test
    void shouldRefuseLoopbackPrivateLinkLocalAndMetadataAddresses() {
        for (String host : List.of("127.0.0.1", "localhost", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254",
                "100.64.0.1", "0.0.0.0", "[::1]", "[fe80::1]", "[fd00:ec2::254]", "[::ffff:10.0.0.1]", "224.0.0.1")) {
            assertThatThrownBy(() -> check(PROD, "https://" + host + "/hook")).as(host)
                    .isInstanceOf(UrlGuard.Refused.class).hasMessageContaining("non-public")
                    .hasMessageNotContaining(host.replace("[", "").replace("]", ""));
        }
    }

    @Test
    void shouldRefuseAHostThatDoesNotResolveInTimeWithTheSameWordsAsANonPublicOneWithoutHoldingTheCaller() throws Exception {
        try (DatagramSocket silentNameServer = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            // a lookup limit long enough that the assertion below runs before it, even on a loaded machine
            UrlGuard guard = new UrlGuard(new Settings(false, List.of(), Duration.ofSeconds(3)),
                    new SingletonDnsServerAddressStreamProvider(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), silentNameServer.getLocalPort())));
            CompletableFuture<UrlGuard.Target> lookup = guard.check("https://hooks.slow-dns.example/x")
                    .subscribeAsCompletionStage().toCompletableFuture();

            // the name server has the query and the caller already has its answer-to-be back: no thread waits on DNS
            DatagramPacket query = new DatagramPacket(new byte[512], 512);
            silentNameServer.setSoTimeout(5_000);
            silentNameServer.receive(query);
            assertThat(lookup).isNotDone();
            assertThatThrownBy(() -> lookup.get(10, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(UrlGuard.Refused.class).hasMessage(UrlGuard.NOT_PUBLIC);
            guard.close();
        }
        assertThatThrownBy(() -> check(PROD, "https://10.1.2.3/hook")).hasMessage(UrlGuard.NOT_PUBLIC);
    }

    @Test
    void shouldAllowHttpAndLoopbackOnlyWithTheExplicitSetting() {
        UrlGuard dev = guard(true, List.of());

        assertThat(check(dev, "http://127.0.0.1:8080/hook").address().isLoopbackAddress()).isTrue();
        assertThatThrownBy(() -> check(dev, "http://10.0.0.5/hook")).hasMessageContaining("non-public");
    }

    @Test
    void shouldAllowAPrivateNetworkThatIsAllowListed() throws Exception {
        UrlGuard listed = guard(false, List.of("10.20.0.0/16", "fd12:3456::/32"));

        assertThat(check(listed, "https://10.20.7.8/hook").address().getHostAddress()).isEqualTo("10.20.7.8");
        assertThat(check(listed, "https://[fd12:3456::9]/hook").address()).isEqualTo(InetAddress.getByName("fd12:3456::9"));
        assertThatThrownBy(() -> check(listed, "https://10.21.0.1/hook")).hasMessageContaining("non-public");
    }

    @Test
    void shouldRefuseANetworkListThatIsNotCidr() {
        assertThatThrownBy(() -> UrlGuard.Cidr.parse("10.0.0.0")).hasMessageContaining("refresher.webhooks.allowed-networks");
        assertThatThrownBy(() -> UrlGuard.Cidr.parse("10.0.0.0/33")).hasMessageContaining("CIDR");
        assertThatThrownBy(() -> UrlGuard.Cidr.parse("example.com/8")).hasMessageContaining("CIDR");
    }

    /** The settings the guard reads; the rest are never consulted by it. */
    record Settings(boolean allowInsecureUrls, List<String> networks, Duration dnsTimeout) implements WebhookConfig {
        Settings(boolean allowInsecureUrls, List<String> networks) {
            this(allowInsecureUrls, networks, Duration.ofSeconds(2));
        }

        @Override
        public Optional<List<String>> allowedNetworks() {
            return Optional.of(networks);
        }

        @Override
        public List<Duration> retrySchedule() {
            throw new UnsupportedOperationException();
        }

        @Override
        public double retryJitter() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Duration requestTimeout() {
            return Duration.ofSeconds(15);
        }

        @Override
        public int concurrency() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Duration pollInterval() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Duration lease() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Duration disableAfter() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Duration rotationOverlap() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int maxEndpointsPerTenant() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int perEndpointConcurrency() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int perTenantConcurrency() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int manualSendLimit() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Duration manualSendWindow() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Duration gaugeInterval() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Duration secretCacheAge() {
            throw new UnsupportedOperationException();
        }
    }
}
