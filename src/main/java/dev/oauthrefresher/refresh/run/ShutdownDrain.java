package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.drain.Drain;
import dev.oauthrefresher.lease.LeaseKeeper;
import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.refresh.rotation.PendingRotations;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * A graceful shutdown (SIGTERM) of the refresh pipeline, before anything else stops: readiness goes DOWN and
 * triggers get 503 ({@link Drain}), runs stop taking work and release their unstarted rows, every refresh
 * already sent to a provider finishes and is recorded (bounded by {@code refresher.refresh.shutdown-grace}), and
 * pending rotations are handed to the other replicas. Quarkus fires the event first thing on shutdown
 * ({@code quarkus.shutdown.delay-enabled}), and waits for this observer before it stops the HTTP server.
 */
@Singleton
class ShutdownDrain {

    private static final Logger LOG = Logger.getLogger(ShutdownDrain.class);

    private final Drain drain;
    private final RefreshService runs;
    private final LeaseKeeper leases;
    private final PendingRotations pending;
    private final RefreshConfig config;

    ShutdownDrain(Drain drain, RefreshService runs, LeaseKeeper leases, PendingRotations pending, RefreshConfig config) {
        this.drain = drain;
        this.runs = runs;
        this.leases = leases;
        this.pending = pending;
        this.config = config;
    }

    void onShutdown(@Observes ShutdownDelayInitiatedEvent event) {
        drainNow();
    }

    /** Drains and reports what it did; does nothing when called again. */
    void drainNow() {
        if (!drain.begin()) {
            return;
        }
        long started = System.nanoTime();
        int runsInterrupted = runs.activeRuns();
        int work = drain.active();
        int held = leases.size();
        LOG.infof("Shutdown drain started: readiness DOWN, %d run(s) stop taking work, %d trigger(s) or manual refreshes "
                + "to finish within %s", runsInterrupted, work, config.shutdownGrace());
        runs.stopTakingWork();
        boolean finished;
        try {
            finished = drain.awaitIdle(config.shutdownGrace());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        int handedOver = pending.size();
        pending.handOver();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        if (finished) {
            LOG.infof("Shutdown drain finished in %d ms: %d rows were held at SIGTERM, every refresh in flight is recorded "
                    + "and the rest released; %d pending rotation(s) handed to other replicas", took.toMillis(), held, handedOver);
        } else {
            LOG.errorf("Shutdown drain gave up after %s (refresher.refresh.shutdown-grace): %d piece(s) of work still "
                    + "running, %d rows still held; their leases lapse and other replicas take them over",
                    config.shutdownGrace(), drain.active(), leases.size());
        }
    }
}
