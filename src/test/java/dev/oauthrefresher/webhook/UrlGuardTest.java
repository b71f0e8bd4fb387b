package dev.oauthrefresher.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The SSRF guard with production settings (https only, public addresses only) and with its two escape hatches. */
class UrlGuardTest {

    static UrlGuard guard(boolean allowInsecure, List<String> allowedNetworks) {
        return new UrlGuard(new Settings(allowInsecure, allowedNetworks));
    }

    static final UrlGuard PROD = guard(false, List.of());

    @Test
    void shouldAcceptAnHttpsUrlWhoseAddressIsPublic() throws Exception {
        UrlGuard.Target target = PROD.check("https://93.184.216.34:8443/hooks?x=1");

        assertThat(target.address().getHostAddress()).isEqualTo("93.184.216.34");
        assertThat(target.port()).isEqualTo(8443);
        assertThat(target.pathAndQuery()).isEqualTo("/hooks?x=1");
    }

    @Test
    void shouldRefusePlainHttpAndOtherSchemesInProduction() {
        assertThatThrownBy(() -> PROD.check("http://93.184.216.34/hooks")).hasMessage("must use https");
        assertThatThrownBy(() -> PROD.check("ftp://93.184.216.34/hooks")).hasMessage("must use https");
        assertThatThrownBy(() -> PROD.check("/relative")).hasMessageContaining("absolute");
        assertThatThrownBy(() -> PROD.check("https://user:pw@93.184.216.34/")).hasMessageContaining("credentials");
    }

    @Test
    void shouldRefuseLoopbackPrivateLinkLocalAndMetadataAddresses() {
        for (String host : List.of("127.0.0.1", "localhost", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254",
                "100.64.0.1", "0.0.0.0", "[::1]", "[fe80::1]", "[fd00:ec2::254]", "[::ffff:10.0.0.1]", "224.0.0.1")) {
            assertThatThrownBy(() -> PROD.check("https://" + host + "/hook")).as(host)
                    .isInstanceOf(UrlGuard.Refused.class).hasMessageContaining("non-public");
        }
    }

    @Test
    void shouldAllowHttpAndLoopbackOnlyWithTheExplicitSetting() throws Exception {
        UrlGuard dev = guard(true, List.of());

        assertThat(dev.check("http://127.0.0.1:8080/hook").address().isLoopbackAddress()).isTrue();
        assertThatThrownBy(() -> dev.check("http://10.0.0.5/hook")).hasMessageContaining("non-public");
    }

    @Test
    void shouldAllowAPrivateNetworkThatIsAllowListed() throws Exception {
        UrlGuard listed = guard(false, List.of("10.20.0.0/16", "fd12:3456::/32"));

        assertThat(listed.check("https://10.20.7.8/hook").address().getHostAddress()).isEqualTo("10.20.7.8");
        assertThat(listed.check("https://[fd12:3456::9]/hook").address()).isEqualTo(InetAddress.getByName("fd12:3456::9"));
        assertThatThrownBy(() -> listed.check("https://10.21.0.1/hook")).hasMessageContaining("non-public");
    }

    @Test
    void shouldRefuseANetworkListThatIsNotCidr() {
        assertThatThrownBy(() -> UrlGuard.Cidr.parse("10.0.0.0")).hasMessageContaining("refresher.webhooks.allowed-networks");
        assertThatThrownBy(() -> UrlGuard.Cidr.parse("10.0.0.0/33")).hasMessageContaining("CIDR");
        assertThatThrownBy(() -> UrlGuard.Cidr.parse("example.com/8")).hasMessageContaining("CIDR");
    }

    /** The settings the guard reads; the rest are never consulted by it. */
    record Settings(boolean allowInsecureUrls, List<String> networks) implements WebhookConfig {
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
            throw new UnsupportedOperationException();
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
        public Duration gaugeInterval() {
            throw new UnsupportedOperationException();
        }
    }
}
