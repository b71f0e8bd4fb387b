package dev.oauthrefresher.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Timestamps#parseIso} reads exactly what {@link Instant#parse} reads, fast form or not. */
class TimestampsTest {

    @Test
    void shouldReadEveryInstantAsInstantParseDoes() {
        SplittableRandom random = new SplittableRandom(20261205);
        for (int i = 0; i < 20_000; i++) {
            // years 1970-2199, and every fraction length Instant.toString writes (none, 3, 6, 9 digits)
            long seconds = random.nextLong(0, 7_258_118_400L);
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            String text = Instant.ofEpochSecond(seconds, nanos).toString();
            assertThat(Timestamps.parseIso(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-12-05T17:40:00Z", "2026-12-05T17:40:00.5Z", "2026-12-05T17:40:00.12Z",
            "2026-12-05T17:40:00.1234Z", "2024-02-29T23:59:59.999999999Z", "2016-12-31T23:59:60Z", "+12026-01-01T00:00:00Z",
            "2026-12-05T17:40:00+01:00", "0000-01-01T00:00:00Z", "2026-12-05T24:00:00Z", "2026-12-05T17:40:00.Z"})
    void shouldReadTheFormsInstantParseReads(String text) {
        assertThat(Timestamps.parseIso(text)).isEqualTo(Instant.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-05T24:00:01Z", "2026-12-05T17:61:00Z",
            "2026-12-05T17:40:00.1234567890Z", "2026-12-05 17:40:00Z", "2026-12-05T17:4a:00Z",
            "2026-12-05T17:40:00", "", "not an instant"})
    void shouldRefuseWhatInstantParseRefuses(String text) {
        assertThatThrownBy(() -> Instant.parse(text)).isInstanceOf(DateTimeException.class);
        assertThatThrownBy(() -> Timestamps.parseIso(text)).isInstanceOf(DateTimeException.class);
    }
}
