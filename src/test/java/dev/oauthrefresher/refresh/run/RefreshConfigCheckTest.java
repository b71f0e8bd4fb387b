package dev.oauthrefresher.refresh.run;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The startup check that a vault write's send-by margin leaves a renewing holder room to write. */
class RefreshConfigCheckTest {

    @Test
    void shouldAcceptALeaseWhoseThreeFifthsExceedTheRequestTimeout() {
        assertThatCode(() -> RefreshConfigCheck.checkSendMargin(Duration.ofMinutes(5), Duration.ofSeconds(10)))
                .doesNotThrowAnyException();
        assertThatCode(() -> RefreshConfigCheck.checkSendMargin(Duration.ofSeconds(9), Duration.ofMillis(700)))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseALeaseThatCouldNeverSendAWriteAndNameBothSettings() {
        assertThatThrownBy(() -> RefreshConfigCheck.checkSendMargin(Duration.ofSeconds(10), Duration.ofSeconds(6)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refresher.refresh.lease (PT10S)")
                .hasMessageContaining("refresher.token-store.key-vault.request-timeout")
                .hasMessageContaining("it leaves PT6S");
    }
}
