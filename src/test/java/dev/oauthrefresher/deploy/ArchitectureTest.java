package dev.oauthrefresher.deploy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.EvaluationResult;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.transaction.Transactional;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The capabilities and the only edges allowed between them (docs/ARCHITECTURE.md draws the same map): dependencies
 * point one way, from triggers and APIs down to the registry, the lease, the stores and the shared helpers. A new
 * import across a capability fails here until the map (and the document) says why it is allowed.
 */
class ArchitectureTest {

    private static final String BASE = "dev.oauthrefresher";

    /** Package (relative to {@value #BASE}) → the packages it may use. Every application package is named here. */
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("web", Set.of("common")),
            Map.entry("common", Set.of()),
            Map.entry("drain", Set.of()),
            // retention: the settings, the one purge job, its lock and metrics; the tables' owners implement its
            // RetainedTable beside their repositories, so it uses no capability and each of them may use it
            Map.entry("retention", Set.of("common")),
            Map.entry("audit", Set.of("common", "retention")),
            Map.entry("provider", Set.of("common")),
            Map.entry("tokenstore", Set.of("common", "retention")),
            // orphaned token secrets: the registration's compensation and the sweep; it asks the registry through its own
            // port (SecretReferences), which integration/ implements
            Map.entry("tokenstore.sweep", Set.of("common", "tokenstore")),
            // sealing: the key ring (read from Key Vault through the token store) and the re-seal job over SealedRows
            Map.entry("keyring", Set.of("common", "tokenstore")),
            // the sealed layout: integrations' tokens sealed by the key ring in PostgreSQL, behind tokenstore's SealedTokens
            Map.entry("tokenstore.sealed", Set.of("keyring", "tokenstore")),
            Map.entry("deploy", Set.of("common", "tokenstore")),
            Map.entry("tenant", Set.of("audit", "web")),
            Map.entry("access", Set.of("audit", "common", "tenant", "web")),
            Map.entry("cron", Set.of("common", "drain", "retention", "web")),
            Map.entry("webhook", Set.of("access", "audit", "common", "retention", "tokenstore", "web")),
            // the registry: the entity, its repository, its events (into the webhook outbox)
            // and the access token sealed beside the row (AccessTokenSeal), with the key ring
            Map.entry("integration", Set.of("common", "keyring", "provider", "retention", "tokenstore", "tokenstore.sweep",
                    "webhook")),
            Map.entry("lease", Set.of("common", "integration", "provider", "tokenstore")),
            // register, reconnect, disconnect, vault moves: change rows under a lease
            // disconnect queues the grant's revocation in the transaction that deletes its row
            Map.entry("integration.lifecycle", Set.of("access", "audit", "common", "integration", "lease", "provider",
                    "revocation", "tenant", "tokenstore", "tokenstore.sweep", "web")),
            // revocation on disconnect: the queue and its worker; it seals with the key ring (one mechanism for every token
            // the database holds) and revokes through the provider gateway
            Map.entry("revocation", Set.of("common", "keyring", "provider", "tokenstore")),
            // the pipeline's shared vocabulary (config, the claimed row, the token handed on)
            Map.entry("refresh", Set.of("common", "integration", "provider", "tokenstore")),
            Map.entry("refresh.rotation", Set.of("common", "keyring", "lease", "provider", "refresh", "tokenstore")),
            Map.entry("refresh.attempt", Set.of("common", "drain", "integration", "lease", "provider", "refresh",
                    "refresh.rotation", "retention", "tokenstore")),
            // audit: an operator's manual refresh (ManualRefreshResource) is an admin action, recorded when it is claimed
            Map.entry("refresh.run", Set.of("audit", "common", "cron", "drain", "integration", "lease", "provider", "refresh",
                    "refresh.attempt", "refresh.rotation", "tenant", "tokenstore", "web")),
            Map.entry("token", Set.of("access", "audit", "common", "integration", "lease", "refresh", "refresh.attempt",
                    "tokenstore", "web")),
            // hosted consent: sessions and the browser flow; the grant lands through the lifecycle's register and
            // reconnect, the code is exchanged through the provider gateway, the PKCE verifier is sealed with the key ring
            Map.entry("connect", Set.of("access", "audit", "common", "integration", "integration.lifecycle", "keyring",
                    "provider", "retention", "tenant", "tokenstore", "web")),
            // dev-mode only (src/dev/java): never in a -Dprod build
            Map.entry("devdb", Set.of()),
            // connect: the demo tenant's redirect URI for the sandbox's consent page, and the public URL it lives under
            Map.entry("sandbox", Set.of("access", "common", "connect", "integration", "integration.lifecycle", "tenant",
                    "tokenstore", "web", "webhook")));

    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(BASE);
    }

    @Test
    void shouldNameEveryApplicationPackageInTheMap() {
        Set<String> packages = new TreeSet<>();
        classes.forEach(c -> packages.add(c.getPackageName().substring(BASE.length() + 1)));
        assertThat(ALLOWED.keySet()).containsAll(packages);
    }

    /**
     * The benchmark programs ({@code src/bench/java}, package {@code bench}) may use the tests' support; no test may use
     * them, so the suite means the same with or without the benchmark's source root.
     */
    @Test
    void shouldKeepTheTestsIndependentOfTheBenchmark() {
        JavaClasses testClasses = new ClassFileImporter().withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages(BASE);
        noClasses().that().resideOutsideOfPackage(BASE + ".bench..")
                .should().dependOnClassesThat().resideInAPackage(BASE + ".bench..")
                .check(testClasses);
    }

    @Test
    void shouldHaveNoCycleBetweenPackages() {
        slices().matching(BASE + ".(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void shouldUseOnlyTheAllowedPackages() {
        Set<String> violations = new TreeSet<>();
        ALLOWED.forEach((from, to) -> {
            Set<String> forbidden = new TreeSet<>(ALLOWED.keySet());
            forbidden.remove(from);
            forbidden.removeAll(to);
            if (forbidden.isEmpty()) {
                return;
            }
            EvaluationResult result = noClasses().that().resideInAPackage(BASE + "." + from)
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden.stream().map(p -> BASE + "." + p).toArray(String[]::new))
                    .allowEmptyShould(true).evaluate(classes);
            result.getFailureReport().getDetails().forEach(violations::add);
        });
        assertThat(violations).as("imports across capabilities that the map does not allow").isEmpty();
    }

    /**
     * Threading contract 3 (docs/ARCHITECTURE.md): a transaction begins and ends on one worker thread. Mutiny's context
     * propagation leaves the JTA context alone (application.properties), so a {@code @Transactional} method returning a
     * reactive type would silently lose its transaction at its first operator.
     */
    @Test
    void shouldDeclareNoTransactionOnAMethodThatAnswersLater() {
        noMethods().that().areAnnotatedWith(Transactional.class).or().areDeclaredInClassesThat().areAnnotatedWith(Transactional.class)
                .should().haveRawReturnType(Uni.class).orShould().haveRawReturnType(Multi.class)
                .orShould().haveRawReturnType(CompletionStage.class).orShould().haveRawReturnType(CompletableFuture.class)
                .allowEmptyShould(true).check(classes);
    }
}
