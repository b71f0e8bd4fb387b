package dev.oauthrefresher.refresh.run;

import dev.oauthrefresher.lease.LeaseConfig;
import dev.oauthrefresher.lease.LeaseKeeper;
import dev.oauthrefresher.tokenstore.TokenStore;
import dev.oauthrefresher.refresh.RefreshConfig;
import dev.oauthrefresher.refresh.attempt.IntegrationRefresher;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.jboss.logging.Logger;

/** Refuses refresh settings that would corrupt runs, and warns about ones that would let tokens lapse. */
@Singleton
class RefreshConfigCheck {

    private static final Logger LOG = Logger.getLogger(RefreshConfigCheck.class);

    void onStart(@Observes StartupEvent event, RefreshConfig config, LeaseConfig leases, IntegrationRefresher refresher,
            TokenStore tokenStore) {
        Duration worstCase = refresher.worstCase();
        check(config, leases.lease(), worstCase.compareTo(tokenStore.callerWait()) > 0 ? worstCase : tokenStore.callerWait());
        checkSendMargin(leases.lease(), tokenStore.requestTimeout());
        config.attemptRetention().ifPresent(ignored -> LOG.warn("refresher.refresh.attempt-retention is no longer read: "
                + "set refresher.retention.refresh-attempts instead (docs/UPGRADING.md)"));
        config.attemptPurgeBatch().ifPresent(ignored -> LOG.warn("refresher.refresh.attempt-purge-batch is no longer read: "
                + "set refresher.retention.batch-size instead (docs/UPGRADING.md)"));
        Duration poll = leases.leaseWaitPollInterval();
        if (poll.isNegative() || poll.isZero()) {
            throw new IllegalStateException("refresher.refresh.lease-wait-poll-interval must be positive, or a caller "
                    + "waiting for a busy row would query the database without pause");
        }
    }

    /**
     * A vault write is sent only while the lease's confirmed end, less a renewal interval for the clocks, is more than a
     * request timeout away (tokenstore/WriteLease). Renewals keep four fifths of the lease ahead, so three fifths of it
     * must exceed the request timeout, or a holder that renews as it should could never write.
     */
    static void checkSendMargin(Duration lease, Duration requestTimeout) {
        Duration room = lease.minus(LeaseKeeper.renewalInterval(lease).multipliedBy(2));
        if (room.compareTo(requestTimeout) <= 0) {
            throw new IllegalStateException("refresher.refresh.lease (" + lease + ") must leave more than the token "
                    + "store's request timeout (" + requestTimeout + ", refresher.token-store.key-vault.request-timeout) "
                    + "after two fifths of it: a vault write is sent only while that much of its lease is left; it leaves "
                    + room);
        }
    }

    /**
     * @param worstCase the longest a holder works between two renewals of its lease: one refresh once started (store
     *     read, provider call, store write), or one lifecycle or vault-move call's wait on the token store
     */
    static void check(RefreshConfig config, Duration lease, Duration worstCase) {
        if (lease.compareTo(config.runBudget()) <= 0) {
            throw new IllegalStateException("refresher.refresh.lease (" + lease
                    + ") must be longer than refresher.refresh.run-budget (" + config.runBudget()
                    + "), or a run's own rows could be claimed by another run while it still refreshes them");
        }
        // renewals keep four fifths of the lease ahead of every held row; a row starts only with more than the worst
        // case left, so a lease shorter than that would never let a row start
        Duration covered = lease.minus(LeaseKeeper.renewalInterval(lease));
        if (covered.compareTo(worstCase) <= 0) {
            throw new IllegalStateException("refresher.refresh.lease (" + lease + ") must leave more than the worst "
                    + "case of one refresh (" + worstCase + ": token store read and write with their retries, "
                    + "refresher.token-store.key-vault.*, plus the slowest provider group's connect and request timeouts, "
                    + "refresher.providers.<group>.*) after a renewal interval of a fifth of the lease; it leaves " + covered);
        }
        if (config.backoff().max().compareTo(config.backoff().initial()) < 0) {
            throw new IllegalStateException("refresher.refresh.backoff.max must not be shorter than refresher.refresh.backoff.initial");
        }
        if (config.backoff().beforeExpiryMargin().isNegative()) {
            throw new IllegalStateException("refresher.refresh.backoff.before-expiry-margin must not be negative: a retry "
                    + "brought forward to it would land after the access token expired");
        }
        if (config.leadTime().compareTo(config.expectedTriggerInterval().plus(config.runBudget())) < 0) {
            LOG.warnf("refresher.refresh.lead-time (%s) is shorter than the trigger interval (%s) plus one run budget (%s): "
                    + "a token can expire between two runs", config.leadTime(), config.expectedTriggerInterval(), config.runBudget());
        }
    }
}
