package dev.oauthrefresher.tokenstore.sweep;

import dev.oauthrefresher.common.Blocking;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Compensation where the service knows it may have left an orphan: a registration whose token-store write failed or
 * timed out has deleted its row, but the vault may still apply the write (it received it; its answer was lost or came
 * too late). Once that write's fate can be known ({@code compensation-delay}), the secret is deleted, and purged where
 * the vault allows it, exactly as a disconnect deletes, if no row has its name by then. Secret names are the
 * integration's id, a random UUID that is never registered again, so a name no row has now no row can have later: the
 * check needs no lease. A reconnect or a vault move writes under the name of a row that exists, which this never deletes.
 * Pending compensations live in this process only; one lost to a restart is the sweep's ({@link OrphanSweeper}).
 */
// built at startup: a wrong setting stops the service before it takes traffic
@Startup
@ApplicationScoped
public class OrphanCompensation {

    private static final Logger LOG = Logger.getLogger(OrphanCompensation.class);
    private static final String DELAY_KEY = "refresher.token-store.orphans.compensation-delay";

    private final TokenStore store;
    private final SecretReferences references;
    private final MeterRegistry registry;
    private final boolean enabled;
    private final Duration delay;

    OrphanCompensation(TokenStore store, SecretReferences references, OrphansConfig config, MeterRegistry registry) {
        this.store = store;
        this.references = references;
        this.registry = registry;
        this.enabled = config.compensate();
        // a write this service gave up on was sent at most one worst case ago; the vault gets as long again to apply it
        this.delay = config.compensationDelay().orElse(store.worstCase().multipliedBy(2));
        if (delay.isNegative()) {
            throw new ConfigurationException(DELAY_KEY + " (" + delay + ") must not be negative", Set.of(DELAY_KEY));
        }
    }

    /** How long after an abandoned write its secret is looked at. */
    public Duration delay() {
        return delay;
    }

    /**
     * The write of {@code secret} was abandoned (failed or timed out after it may have been sent) and no row should point
     * at it: after {@link #delay()}, it is deleted if no row has its name. Returns at once; the outcome is logged and
     * counted ({@code refresher_orphans_compensations_total}).
     */
    public void afterAbandonedWrite(SecretRef secret) {
        // the sealed layout's write needs its row (a cascading foreign key): an undone registration took it along
        if (!enabled || secret.inDatabase()) {
            return;
        }
        Uni.createFrom().voidItem().onItem().delayIt().by(delay)
                .chain(() -> deleteUnlessReferenced(secret))
                .subscribe().with(
                        outcome -> count(secret, outcome),
                        failure -> {
                            LOG.warnf("Could not delete secret %s in vault '%s' after its registration's write was abandoned "
                                    + "(%s); the orphan sweep finds it if the write landed", secret.secretName(), secret.vault(),
                                    TokenStoreException.describe(failure));
                            count(secret, "failed");
                        });
    }

    private Uni<String> deleteUnlessReferenced(SecretRef secret) {
        return Blocking.call(() -> references.referenced(List.of(secret.secretName())).contains(secret.secretName()))
                .chain(inUse -> {
                    if (inUse) {
                        return Uni.createFrom().item("in-use");
                    }
                    return store.delete(secret).ifNoItem().after(store.callerWait())
                            .failWith(io.smallrye.mutiny.TimeoutException::new)
                            .invoke(() -> LOG.infof("Deleted secret %s in vault '%s' (if the vault had applied it): its "
                                    + "registration's write was abandoned and no row has it", secret.secretName(), secret.vault()))
                            .replaceWith("deleted");
                });
    }

    private void count(SecretRef secret, String outcome) {
        Counter.builder("refresher.orphans.compensations")
                .description("Secrets looked at after a registration abandoned its write: deleted (if the vault had applied "
                        + "the write), in-use (a row has the name), failed")
                .tags("vault", secret.vault(), "outcome", outcome).register(registry).increment();
    }
}
