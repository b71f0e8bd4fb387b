package dev.oauthrefresher.retention;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The one purge job: every {@code refresher.retention.period} each replica tries to run a pass, and one at a time does.
 * A pass first keeps the partitioned tables' partitions ({@code audit_event}: days created ahead, days past the
 * retention dropped), then deletes each batched table's old rows in transactions of at most
 * {@code refresher.retention.batch-size} rows until none is left, then reads every table's oldest row for the gauges.
 *
 * <p>One replica at a time: each transaction first takes a PostgreSQL advisory lock with
 * {@code pg_try_advisory_xact_lock}, and a replica that finds it held stops its pass (and counts it {@code busy}). A
 * transaction-scoped lock rather than a session lock held for the whole pass: it goes with the transaction's commit or
 * rollback, so a pooled connection can never carry it off, a crashed replica never leaves it held, and no connection
 * is kept out of the pool between batches; two replicas whose passes overlap alternate batch by batch at worst, which
 * deletes nothing twice. Cutoffs are taken from the database's clock, so replicas with skewed clocks agree on them.
 */
@ApplicationScoped
public class RetentionJob {

    private static final Logger LOG = Logger.getLogger(RetentionJob.class);
    /** Partition DDL gives up on the parent's lock after this rather than queue audited calls behind it. */
    private static final long DDL_LOCK_TIMEOUT_MILLIS = 2000;

    /** What one pass did: whether it held the lock, rows deleted per table, partitions created and dropped. */
    public record Pass(boolean ran, Map<String, Long> purged, List<String> created, List<String> dropped,
            List<String> failed) {
    }

    private final RetentionRepository repository;
    private final RetentionConfig config;
    private final List<RetainedTable.Partitioned> partitioned = new ArrayList<>();
    private final List<RetainedTable.Batched> batched = new ArrayList<>();
    private final RetentionMetrics metrics;
    private volatile boolean stopping;

    RetentionJob(RetentionRepository repository, RetentionConfig config, @Any Instance<RetainedTable> tables,
            MeterRegistry registry) {
        this.repository = repository;
        this.config = config;
        requireMinimums(tables, this::retention);
        Map<String, Duration> allowed = new TreeMap<>();
        for (RetainedTable table : tables) {
            Duration retention = retention(table.family());
            if (table instanceof RetainedTable.Partitioned p) {
                partitioned.add(p);
                allowed.put(table.table(), retention.plus(config.period()).plusDays(1));
            } else if (table instanceof RetainedTable.Batched b) {
                batched.add(b);
                allowed.put(table.table(), retention.plus(config.period()));
            }
        }
        batched.sort(Comparator.comparing((RetainedTable.Batched b) -> b.family().ordinal())
                .thenComparingInt(RetainedTable.Batched::purgeOrder));
        this.metrics = new RetentionMetrics(registry, allowed);
    }

    /** Fails startup, naming the key, when a setting is shorter than what its table's owner needs. */
    static void requireMinimums(Iterable<? extends RetainedTable> tables, Function<RetentionFamily, Duration> retention) {
        for (RetainedTable table : tables) {
            Duration setting = retention.apply(table.family());
            if (setting.compareTo(table.minimumRetention()) < 0) {
                throw new ConfigurationException(table.family().settingKey() + " (" + setting + ") must be at least "
                        + table.minimumRetention() + ": " + table.table() + " rows would be deleted while still needed",
                        Set.of(table.family().settingKey()));
            }
        }
    }

    /** Created at startup, so that its meters exist before the first pass. */
    void onStart(@Observes StartupEvent event) {
        LOG.debugf("Retention: a pass every %s over %d batched and %d partitioned tables", config.period(), batched.size(),
                partitioned.size());
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    @Scheduled(identity = "retention", every = "${refresher.retention.period}", delayed = "${refresher.retention.period}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            // the database's clock could not be read: the database is down, and the next period tries again
            metrics.pass(RetentionMetrics.FAILED, 1);
            LOG.warnf("Retention pass not started (%s); the next period tries again", e.toString());
        }
    }

    /** One pass, as the schedule runs it. */
    public Pass runOnce() {
        Instant now = QuarkusTransaction.requiringNew().call(repository::now);
        return pass(now, partitioned);
    }

    /** A pass at {@code now} (the database's clock) over the given partitioned tables and every batched one. */
    Pass pass(Instant now, List<RetainedTable.Partitioned> partitionedTables) {
        Map<String, Long> purged = new LinkedHashMap<>();
        List<String> created = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        boolean ran = true;
        for (RetainedTable.Partitioned table : partitionedTables) {
            if (!ran || stopping) {
                break;
            }
            ran = keepPartitions(table, now, created, dropped, failed);
        }
        for (RetainedTable.Batched table : batched) {
            if (!ran || stopping) {
                break;
            }
            ran = purge(table, now.minus(retention(table.family())), purged, failed);
        }
        measure(now, partitionedTables);
        if (!ran) {
            metrics.pass(RetentionMetrics.BUSY, 1);
            LOG.debugf("Retention pass skipped: another replica holds the retention lock");
        } else if (!failed.isEmpty()) {
            metrics.pass(RetentionMetrics.FAILED, 1);
        } else {
            metrics.pass(RetentionMetrics.PURGED, 1);
            metrics.purgeCompleted(now);
        }
        if (!purged.isEmpty() || !created.isEmpty() || !dropped.isEmpty()) {
            LOG.infof("Retention pass: deleted %s; partitions created %s, dropped %s", purged, created, dropped);
        }
        return new Pass(ran, purged, created, dropped, failed);
    }

    /** Deletes {@code table}'s rows older than {@code cutoff}, batch by batch; false if the lock was held elsewhere. */
    private boolean purge(RetainedTable.Batched table, Instant cutoff, Map<String, Long> purged, List<String> failed) {
        int batch = config.batchSize();
        long total = 0;
        try {
            int deleted;
            do {
                deleted = QuarkusTransaction.requiringNew().call(() -> repository.tryLock() ? table.purge(cutoff, batch) : -1);
                if (deleted < 0) {
                    return false;
                }
                total += deleted;
                metrics.purged(table.table(), deleted);
            } while (deleted == batch && !stopping);
        } catch (RuntimeException e) {
            LOG.warnf("Retention could not purge %s (%s); the next pass tries again", table.table(), e.toString());
            failed.add(table.table());
        }
        if (total > 0) {
            purged.merge(table.table(), total, Long::sum);
        }
        return true;
    }

    /**
     * Creates {@code table}'s daily partitions from where its partitions end up to {@code audit-days-ahead} days after
     * today, then drops every partition whose range ends at or before the cutoff (never the default partition); each
     * in its own short transaction. False if the lock was held elsewhere.
     */
    private boolean keepPartitions(RetainedTable.Partitioned table, Instant now, List<String> created, List<String> dropped,
            List<String> failed) {
        Instant cutoff = now.minus(retention(table.family()));
        try {
            List<RetentionRepository.Partition> partitions = QuarkusTransaction.requiringNew()
                    .call(() -> repository.partitions(table.table()));
            String defaultPartition = partitions.stream().filter(RetentionRepository.Partition::isDefault)
                    .map(RetentionRepository.Partition::name).findFirst().orElse(null);
            LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
            LocalDate next = partitions.stream().map(RetentionRepository.Partition::to).filter(t -> t != null)
                    .max(Comparator.naturalOrder()).map(to -> LocalDate.ofInstant(to, ZoneOffset.UTC)).orElse(today);
            for (LocalDate day = next; !day.isAfter(today.plusDays(config.auditDaysAhead())); day = day.plusDays(1)) {
                LocalDate creating = day;
                if (!QuarkusTransaction.requiringNew().call(() -> {
                    if (!repository.tryLock()) {
                        return false;
                    }
                    repository.lockTimeout(DDL_LOCK_TIMEOUT_MILLIS);
                    repository.createDay(table.table(), table.column(), defaultPartition, creating);
                    return true;
                })) {
                    return false;
                }
                created.add(table.table() + "_p" + creating.toString().replace("-", ""));
                metrics.partition(table.table(), "created");
            }
            for (RetentionRepository.Partition partition : QuarkusTransaction.requiringNew()
                    .call(() -> repository.partitions(table.table()))) {
                if (partition.isDefault() || partition.to() == null || partition.to().isAfter(cutoff)) {
                    continue;
                }
                Long rows = QuarkusTransaction.requiringNew().call(() -> {
                    if (!repository.tryLock()) {
                        return null;
                    }
                    repository.lockTimeout(DDL_LOCK_TIMEOUT_MILLIS);
                    long estimate = repository.estimatedRows(partition.name());
                    repository.drop(partition.name());
                    return estimate;
                });
                if (rows == null) {
                    return false;
                }
                dropped.add(partition.name());
                metrics.partition(table.table(), "dropped");
                metrics.purged(table.table(), rows);
            }
        } catch (RuntimeException e) {
            LOG.warnf("Retention could not keep the partitions of %s (%s); the next pass tries again", table.table(),
                    e.toString());
            failed.add(table.table());
        }
        return true;
    }

    /** Every replica reads every table's oldest row after each pass, purged or not, so its gauges are current. */
    private void measure(Instant now, List<RetainedTable.Partitioned> partitionedTables) {
        List<RetainedTable> all = new ArrayList<>(partitionedTables);
        all.addAll(batched);
        for (RetainedTable table : all) {
            try {
                metrics.oldest(table.table(), QuarkusTransaction.requiringNew().call(() -> table.oldest().orElse(null)), now);
            } catch (RuntimeException e) {
                LOG.debugf("Could not read the oldest row of %s (%s)", table.table(), e.toString());
            }
        }
    }

    /** The setting of {@code family}. */
    Duration retention(RetentionFamily family) {
        return switch (family) {
            case AUDIT -> config.audit();
            case WEBHOOKS -> config.webhooks();
            case TRIGGER_RUNS -> config.triggerRuns();
            case REFRESH_ATTEMPTS -> config.refreshAttempts();
            case TOMBSTONES -> config.tombstones();
            case USED_SIGNATURES -> config.usedSignatures();
            case HEARTBEATS -> config.heartbeats();
            case CONNECT_SESSIONS -> config.connectSessions();
        };
    }
}
