package dev.oauthrefresher.tokenstore.sweep;

import dev.oauthrefresher.common.RateLimiter;
import dev.oauthrefresher.common.Replica;
import dev.oauthrefresher.tokenstore.SecretPage;
import dev.oauthrefresher.tokenstore.SecretRef;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.tokenstore.TokenStoreException;
import dev.oauthrefresher.tokenstore.Vaults;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.jboss.logging.Logger;

/**
 * The backstop for orphans nobody compensated (a replica died with a compensation pending, a write landed after it):
 * every {@code interval} each replica offers to sweep each vault, and the one that takes the vault's hold
 * ({@code orphan_sweep}) lists the vault's token secrets page by page and deletes those last written longer ago than
 * {@code grace-period} whose name no integration row has ({@link SecretReferences}). It deletes as a disconnect does
 * (delete, then purge where the vault allows it). Only secrets this service named and tagged are ever listed
 * ({@link TokenStore#listTokenSecrets}): untagged older secrets and anything else in the vault are never touched.
 *
 * <p>Off by default; in {@code dry-run} (the default once on) it only logs and counts what it would delete. Its requests
 * are paced ({@code requests-per-second}) and go through the vault's budget at on-demand priority, so scheduled refreshes
 * keep their share, and a refused permit ends the vault's sweep until the next interval.
 */
// built at startup: a wrong setting stops the service before it takes traffic
@Startup
@Singleton
public class OrphanSweeper {

    private static final Logger LOG = Logger.getLogger(OrphanSweeper.class);
    private static final String GRACE_KEY = "refresher.token-store.orphans.sweep.grace-period";
    private static final Duration MIN_GRACE = Duration.ofHours(1);
    /** A delete is three requests: the delete, a poll until it is soft-deleted, the purge. */
    private static final int REQUESTS_PER_DELETE = 3;

    /** What one sweep of one vault did. */
    record VaultSweep(String vault, boolean swept, int listed, int found, int deleted, Optional<String> stoppedBecause) {

        static VaultSweep notTaken(String vault) {
            return new VaultSweep(vault, false, 0, 0, 0, Optional.empty());
        }
    }

    private final TokenStore store;
    private final Vaults vaults;
    private final SecretReferences references;
    private final SweepHoldRepository holds;
    private final OrphansConfig.Sweep config;
    private final MeterRegistry registry;
    private final Replica replica;
    /** Long enough for one call and its pacing; renewed before each. */
    private final Duration hold;
    private volatile boolean stopping;

    OrphanSweeper(TokenStore store, Vaults vaults, SecretReferences references, SweepHoldRepository holds,
            OrphansConfig config, MeterRegistry registry, Replica replica) {
        this.store = store;
        this.vaults = vaults;
        this.references = references;
        this.holds = holds;
        this.config = config.sweep();
        this.registry = registry;
        this.replica = replica;
        this.hold = store.callerWait().multipliedBy(2).plusMinutes(1);
        Duration floor = max(MIN_GRACE, store.callerWait().multipliedBy(10));
        if (this.config.gracePeriod().compareTo(floor) < 0) {
            throw new ConfigurationException(GRACE_KEY + " (" + this.config.gracePeriod() + ") must be at least " + floor
                    + " (1h, and ten times the token store's caller wait): a registration's write that lands late must "
                    + "never look old enough to sweep.", Set.of(GRACE_KEY));
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Scheduled(every = "${refresher.token-store.orphans.sweep.interval}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (config.enabled()) {
            sweepAll(config.dryRun());
        }
    }

    /** Sweeps every configured vault whose hold this replica takes; blocking. */
    List<VaultSweep> sweepAll(boolean dryRun) {
        List<VaultSweep> sweeps = new ArrayList<>();
        for (String vault : vaults.names()) {
            if (stopping) {
                break;
            }
            sweeps.add(sweep(vault, dryRun));
        }
        return sweeps;
    }

    private VaultSweep sweep(String vault, boolean dryRun) {
        String owner = replica.id() + "/orphan-sweep/" + UUID.randomUUID();
        if (!QuarkusTransaction.requiringNew().call(() -> holds.begin(vault, owner, hold, config.interval().dividedBy(2)))) {
            LOG.debugf("Orphan sweep of vault '%s' skipped: another replica sweeps it or did within half an interval", vault);
            return VaultSweep.notTaken(vault);
        }
        Pass pass = new Pass(vault, owner, dryRun);
        try {
            pass.run();
        } catch (TokenStoreException | io.smallrye.mutiny.TimeoutException e) {
            // a refused permit included: the vault is busy, and the sweep waits for the next interval
            LOG.warnf("Orphan sweep of vault '%s' stopped: %s", vault, TokenStoreException.describe(e));
            pass.stop("the token store failed");
        } catch (RuntimeException e) {
            LOG.warnf("Orphan sweep of vault '%s' stopped: %s", vault, e.getClass().getSimpleName());
            pass.stop("it failed");
        } finally {
            end(vault, owner);
        }
        VaultSweep result = new VaultSweep(vault, true, pass.listed, pass.found, pass.deleted, Optional.ofNullable(pass.stopped));
        LOG.infof("Orphan sweep of vault '%s'%s: %d token secrets listed, %d orphans older than %s found, %d deleted%s", vault,
                dryRun ? " (dry run: nothing deleted)" : "", result.listed(), result.found(), config.gracePeriod(),
                result.deleted(), result.stoppedBecause().map(why -> "; stopped early, " + why).orElse(""));
        return result;
    }

    /** One sweep of one vault: its counts and pacing. Touched by the sweeping thread only. */
    private final class Pass {

        private final String vault;
        private final String owner;
        private final boolean dryRun;
        private final RateLimiter pace = RateLimiter.perSecond(config.requestsPerSecond());
        private final Instant writtenBefore = Instant.now().minus(config.gracePeriod());
        private int listed;
        private int found;
        private int deleted;
        private String stopped;

        Pass(String vault, String owner, boolean dryRun) {
            this.vault = vault;
            this.owner = owner;
            this.dryRun = dryRun;
        }

        void run() {
            Optional<String> next = Optional.empty();
            do {
                if (!proceed(1)) {
                    return;
                }
                Optional<String> token = next;
                SecretPage page = store.listTokenSecrets(vault, token).await().atMost(store.callerWait());
                listed += page.secrets().size();
                List<String> old = page.secrets().stream().filter(s -> s.updated().isBefore(writtenBefore))
                        .map(SecretPage.Listed::name).toList();
                Set<String> inUse = old.isEmpty() ? Set.of() : references.referenced(old);
                for (String name : old) {
                    if (!inUse.contains(name) && !orphan(name)) {
                        return;
                    }
                }
                next = page.next();
            } while (next.isPresent());
        }

        /** Counts the orphan and, unless in a dry run, deletes it; false when the sweep must stop. */
        private boolean orphan(String name) {
            found++;
            counter("refresher.orphans.found", "Token secrets the orphan sweep found without a row (dry runs included)").increment();
            if (dryRun) {
                LOG.infof("Orphan sweep (dry run) would delete secret %s in vault '%s': no integration row has it", name, vault);
                return true;
            }
            if (deleted >= config.maxDeletes()) {
                stop("max-deletes (" + config.maxDeletes() + ") reached");
                return false;
            }
            if (!proceed(REQUESTS_PER_DELETE)) {
                return false;
            }
            store.delete(new SecretRef(vault, name)).await().atMost(store.callerWait());
            deleted++;
            counter("refresher.orphans.deleted", "Token secrets the orphan sweep deleted").increment();
            LOG.infof("Orphan sweep deleted secret %s in vault '%s': no integration row has it", name, vault);
            return true;
        }

        /** Waits for the pace's permits and renews the hold; false when the sweep must stop. */
        private boolean proceed(int requests) {
            Duration wait = Duration.ZERO;
            for (int i = 0; i < requests; i++) {
                wait = pace.reserve();
            }
            LockSupport.parkNanos(wait.toNanos());
            if (stopping) {
                stop("this replica is stopping");
                return false;
            }
            if (!QuarkusTransaction.requiringNew().call(() -> holds.renew(vault, owner, hold))) {
                stop("its hold lapsed and another replica took the vault over");
                return false;
            }
            return true;
        }

        void stop(String why) {
            stopped = why;
        }

        private Counter counter(String name, String description) {
            return Counter.builder(name).description(description).tags("vault", vault).register(registry);
        }
    }

    /** The vault may be swept again after half an interval; if the database does not answer, the hold lapses on its own. */
    private void end(String vault, String owner) {
        try {
            QuarkusTransaction.requiringNew().run(() -> holds.end(vault, owner));
        } catch (RuntimeException e) {
            LOG.warnf("Orphan sweep of vault '%s' ended, but its hold could not be given up (%s); it lapses on its own",
                    vault, e.getClass().getSimpleName());
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
