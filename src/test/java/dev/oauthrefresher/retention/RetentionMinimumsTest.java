package dev.oauthrefresher.retention;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A retention setting shorter than what its table's owner needs (a replay window, a live heartbeat) stops the start. */
class RetentionMinimumsTest {

    /** A table whose rows are needed for an hour, as a replica's heartbeat is for its live window. */
    private static final RetainedTable.Batched NEEDED_FOR_AN_HOUR = new RetainedTable.Batched() {
        @Override
        public RetentionFamily family() {
            return RetentionFamily.HEARTBEATS;
        }

        @Override
        public String table() {
            return "replica_heartbeat";
        }

        @Override
        public Optional<Instant> oldest() {
            return Optional.empty();
        }

        @Override
        public Duration minimumRetention() {
            return Duration.ofHours(1);
        }

        @Override
        public int purge(Instant cutoff, int batch) {
            return 0;
        }
    };

    @Test
    void shouldRefuseASettingShorterThanTheTablesMinimumNamingTheKey() {
        assertThatThrownBy(() -> RetentionJob.requireMinimums(List.of(NEEDED_FOR_AN_HOUR), family -> Duration.ofMinutes(59)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("refresher.retention.heartbeats").hasMessageContaining("replica_heartbeat");
        assertThatCode(() -> RetentionJob.requireMinimums(List.of(NEEDED_FOR_AN_HOUR), family -> Duration.ofHours(1)))
                .doesNotThrowAnyException();
    }
}
