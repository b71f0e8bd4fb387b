package dev.oauthrefresher.common;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicLong;

/** Gauges over values their bean owns, registered so they exist (at their initial value) from startup. */
public final class OwnedGauges {

    private OwnedGauges() {
    }

    /**
     * Registers a gauge over {@code value}. A meter left by an earlier application instance in the same JVM (tests
     * restart Quarkus) would otherwise keep reading that instance's value, so it is replaced.
     */
    public static void register(MeterRegistry registry, String name, String description, String baseUnit, AtomicLong value,
            Tags tags) {
        registry.find(name).tags(tags).meters().forEach(registry::remove);
        Gauge.builder(name, value, AtomicLong::doubleValue).description(description).baseUnit(baseUnit).tags(tags)
                .strongReference(true).register(registry);
    }
}
