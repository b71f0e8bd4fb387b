package dev.oauthrefresher.drain;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** DOWN as soon as a graceful shutdown begins, so the Service stops routing triggers here while work drains. */
@Readiness
@ApplicationScoped
class DrainReadinessCheck implements HealthCheck {

    private final Drain drain;

    DrainReadinessCheck(Drain drain) {
        this.drain = drain;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("shutdown").status(!drain.isDraining()).build();
    }
}
