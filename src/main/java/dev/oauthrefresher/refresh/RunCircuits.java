package dev.oauthrefresher.refresh;

import dev.oauthrefresher.provider.Provider;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-run circuit breakers. A provider group whose client credentials were refused is open for the rest of
 * the run (every call would fail the same way); a provider that fails most calls is open too, so an outage
 * defers its integrations instead of counting failures against each of them.
 */
public final class RunCircuits {

    private final int minimumCalls;
    private final double failureRatio;
    private final Set<String> rejectedGroups = ConcurrentHashMap.newKeySet();
    private final Map<Provider, int[]> callsAndFailures = new EnumMap<>(Provider.class);
    private final Set<Provider> openProviders = ConcurrentHashMap.newKeySet();

    public RunCircuits(RefreshConfig.ProviderCircuit config) {
        this(config.minimumCalls(), config.failureRatio());
    }

    /** A provider's circuit opens once it had {@code minimumCalls} calls and {@code failureRatio} of them failed. */
    public RunCircuits(int minimumCalls, double failureRatio) {
        this.minimumCalls = minimumCalls;
        this.failureRatio = failureRatio;
    }

    public boolean isOpen(Provider provider, String group) {
        return rejectedGroups.contains(group) || openProviders.contains(provider);
    }

    /** @return true if this call opened the group's circuit (the caller logs it once) */
    public boolean rejectGroup(String group) {
        return rejectedGroups.add(group);
    }

    /** @return true if this failure opened the provider's circuit */
    public synchronized boolean recordCall(Provider provider, boolean failed) {
        int[] counts = callsAndFailures.computeIfAbsent(provider, p -> new int[2]);
        counts[0]++;
        if (failed) {
            counts[1]++;
        }
        if (counts[0] >= minimumCalls && counts[1] >= failureRatio * counts[0]) {
            return openProviders.add(provider);
        }
        return false;
    }

    public Set<String> rejectedGroups() {
        return Set.copyOf(rejectedGroups);
    }

    public Set<String> openProviders() {
        return openProviders.stream().map(Provider::code).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }
}
