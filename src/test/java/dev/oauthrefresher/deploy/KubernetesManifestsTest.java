package dev.oauthrefresher.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.oauthrefresher.provider.ProvidersConfig;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** Reads {@code k8s/} and checks its wiring against the code: config keys, the trigger, the hardening. */
class KubernetesManifestsTest {

    /** The task the CronJob triggers: the name the refresh capability's {@code CronTask} registers under. */
    static final String REFRESH_TASK = dev.oauthrefresher.refresh.run.RefreshTask.NAME;

    final Manifests manifests = Manifests.base();
    final ConfigKeys keys = ConfigKeys.declared();

    @Test
    void shouldSetOnlyEnvironmentVariablesThatNameADeclaredConfigKey() {
        List<String> variables = new ArrayList<>(environment().keySet());
        Manifests.texts(fallbackGenerator().path("literals")).forEach(l -> variables.add(l.substring(0, l.indexOf('='))));
        List<String> unknown = variables.stream().filter(v -> !keys.matches(v)).toList();
        assertThat(unknown).as("variables that no @ConfigMapping declares").isEmpty();
    }

    @Test
    void shouldBindEveryProviderGroupSecretToItsGroup() {
        Map<String, String> environment = environment();
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().addDefaultInterceptors().addDiscoveredConverters()
                .withSources(new EnvConfigSource(environment, 300));
        ConfigKeys.applicationMappings().forEach(builder::withMapping);
        SmallRyeConfig config = builder.build();
        Map<String, ProvidersConfig.Group> groups = config.getConfigMapping(ProvidersConfig.class).groups();

        Pattern secretVariable = Pattern.compile("REFRESHER_PROVIDERS_(.+)_CLIENT_SECRET");
        Map<String, String> expectedSecrets = new HashMap<>();
        environment.forEach((name, value) -> {
            Matcher m = secretVariable.matcher(name);
            if (m.matches()) {
                expectedSecrets.put(m.group(1).toLowerCase(Locale.ROOT).replace('_', '-'), value);
            }
        });
        assertThat(expectedSecrets).isNotEmpty();
        expectedSecrets.forEach((group, secret) -> {
            assertThat(groups).as("provider groups bound from the manifests").containsKey(group);
            assertThat(groups.get(group).clientSecret().reveal()).isEqualTo(secret);
        });
    }

    @Test
    void shouldProbeTheSmallRyeHealthEndpointsOnTheManagementPort() throws IOException {
        JsonNode container = serverContainer();
        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(container.path(probe).at("/httpGet/port").asText()).isEqualTo("management");
        }
        assertThat(port(container, "http")).isEqualTo(prodPort("quarkus.http.port", 8080));
        assertThat(port(container, "management")).isEqualTo(prodPort("quarkus.management.port", 9000));
        assertThat(prodProperty("quarkus.management.enabled")).isEqualTo("true");
    }

    @Test
    void shouldOfferTheManagementPortOnTheServiceForAServiceMonitor() {
        JsonNode service = manifests.one("Service");
        JsonNode management = find(service.at("/spec/ports"), p -> p.path("name").asText().equals("management"));
        assertThat(management.path("targetPort").asText()).isEqualTo("management");
        assertThat(management.path("port").asInt()).isEqualTo(port(serverContainer(), "management"));
    }

    @Test
    void shouldTriggerTheRefreshTaskThroughTheService() {
        List<String> args = curlArgs();
        URI url = URI.create(args.get(args.size() - 1));
        JsonNode service = manifests.one("Service");

        assertThat(url.getScheme()).isEqualTo("http");
        assertThat(url.getHost()).isEqualTo(service.at("/metadata/name").asText());
        assertThat(url.getPort()).isEqualTo(-1);
        JsonNode servicePort = service.at("/spec/ports/0");
        assertThat(servicePort.path("port").asInt()).isEqualTo(80);
        assertThat(servicePort.path("targetPort").asText()).isEqualTo("http");
        assertThat(selects(service.at("/spec/selector"), deployment().at("/spec/template/metadata/labels"))).isTrue();
        assertThat(url.getPath()).isEqualTo("/cron/" + REFRESH_TASK);

        assertThat(valueAfter(args, "--header")).isEqualTo("Content-Type: application/json");
        assertThat(valueAfter(args, "--data")).isEqualTo("{}");
    }

    @Test
    void shouldReadTheCronTokenFromAMountedSecretFile() {
        JsonNode pod = cronPod();
        JsonNode container = pod.at("/containers/0");
        List<String> args = curlArgs();

        String variable = valueAfter(args, "--variable");
        assertThat(variable).startsWith("token@");
        Path tokenFile = Path.of(variable.substring("token@".length()));
        assertThat(valueAfter(args, "--expand-header")).isEqualTo("Authorization: Bearer {{token:trim}}");

        JsonNode mount = find(container.path("volumeMounts"), m -> tokenFile.startsWith(m.path("mountPath").asText()));
        JsonNode volume = find(pod.path("volumes"), v -> v.path("name").asText().equals(mount.path("name").asText()));
        JsonNode secret = manifests.named("Secret", volume.at("/secret/secretName").asText());
        String key = find(volume.at("/secret/items"),
                i -> Path.of(mount.path("mountPath").asText(), i.path("path").asText()).equals(tokenFile))
                .path("key").asText();
        assertThat(Manifests.values(secret)).containsKey(key);

        assertThat(container.has("env")).isFalse();
        assertThat(container.has("envFrom")).isFalse();
        String token = Manifests.values(secret).get(key);
        assertThat(args).noneMatch(arg -> arg.contains(token));
    }

    @Test
    void shouldNeitherOverlapNorPileUpTriggerRuns() {
        JsonNode cronJob = manifests.one("CronJob");
        JsonNode job = cronJob.at("/spec/jobTemplate/spec");
        List<String> args = curlArgs();

        assertThat(cronJob.at("/spec/concurrencyPolicy").asText()).isEqualTo("Forbid");
        assertThat(cronJob.at("/spec/startingDeadlineSeconds").asInt()).isPositive();
        assertThat(cronJob.at("/spec/successfulJobsHistoryLimit").asInt()).isPositive();
        assertThat(cronJob.at("/spec/failedJobsHistoryLimit").asInt()).isPositive();
        assertThat(job.path("backoffLimit").asInt(-1)).isZero();
        assertThat(job.at("/template/spec/restartPolicy").asText()).isEqualTo("Never");

        assertThat(args).contains("--fail-with-body", "--retry-connrefused");
        int maxTime = Integer.parseInt(valueAfter(args, "--max-time"));
        assertThat(Integer.parseInt(valueAfter(args, "--connect-timeout"))).isPositive().isLessThan(maxTime);
        assertThat(Integer.parseInt(valueAfter(args, "--retry"))).isPositive();
        assertThat(job.path("activeDeadlineSeconds").asInt())
                .isGreaterThan(maxTime + Integer.parseInt(valueAfter(args, "--retry-max-time")));
    }

    @Test
    void shouldHoldOnlyPlaceholdersInTheSecretTemplates() {
        List<JsonNode> secrets = manifests.all("Secret");
        assertThat(secrets).hasSize(2);
        for (JsonNode secret : secrets) {
            assertThat(Manifests.values(secret)).isNotEmpty()
                    .allSatisfy((key, value) -> assertThat(value).as(key).startsWith("REPLACE_ME"));
        }
        assertThat(manifests.one("ConfigMap").path("data").isObject()).isTrue();
    }

    @Test
    void shouldSupplyEveryConfigMapAndSecretTheWorkloadsReference() {
        JsonNode container = serverContainer();
        for (JsonNode source : container.path("envFrom")) {
            if (source.has("configMapRef")) {
                manifests.named("ConfigMap", source.at("/configMapRef/name").asText());
            } else {
                manifests.named("Secret", source.at("/secretRef/name").asText());
            }
        }
        assertThat(container.path("envFrom")).hasSize(2);
    }

    @Test
    void shouldRunEveryContainerLockedDown() {
        for (JsonNode pod : List.of(deployment().at("/spec/template/spec"), cronPod())) {
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
            assertThat(pod.at("/securityContext/runAsUser").asInt()).isPositive();
            assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
            for (JsonNode container : pod.path("containers")) {
                JsonNode security = container.path("securityContext");
                assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
                assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
                assertThat(Manifests.texts(security.at("/capabilities/drop"))).containsExactly("ALL");
                assertThat(container.path("image").asText()).matches("[^:@]+:[0-9][^:]*").doesNotEndWith(":latest");
                assertThat(container.at("/resources/requests").size()).isEqualTo(2);
                assertThat(container.at("/resources/limits").size()).isEqualTo(2);
            }
        }
        JsonNode tmp = find(serverContainer().path("volumeMounts"), m -> m.path("mountPath").asText().equals("/tmp"));
        JsonNode volume = find(deployment().at("/spec/template/spec/volumes"),
                v -> v.path("name").asText().equals(tmp.path("name").asText()));
        assertThat(volume.has("emptyDir")).isTrue();
    }

    @Test
    void shouldGiveTheShutdownDrainMoreTimeThanItMayTakeBeforeTheKubeletKillsThePod() throws IOException {
        Map<String, String> config = Manifests.values(manifests.named("ConfigMap",
                deployment().at("/spec/template/spec/containers/0/envFrom/0/configMapRef/name").asText()));
        Duration grace = Duration.parse("PT" + config.getOrDefault("REFRESHER_REFRESH_SHUTDOWN_GRACE", "30s").toUpperCase(Locale.ROOT));
        // the drain, then the HTTP server's own graceful stop (quarkus.shutdown.timeout in application.properties)
        Properties application = new Properties();
        try (var in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            application.load(in);
        }
        Duration httpStop = Duration.parse("PT" + application.getProperty("quarkus.shutdown.timeout", "0s").toUpperCase(Locale.ROOT));
        assertThat(deployment().at("/spec/template/spec/terminationGracePeriodSeconds").asLong())
                .as("terminationGracePeriodSeconds against refresher.refresh.shutdown-grace %s + %s", grace, httpStop)
                .isGreaterThan(grace.plus(httpStop).toSeconds());
    }

    @Test
    void shouldHoldThePendingRotationKeyInASecret() {
        assertThat(manifests.all("Secret")).anySatisfy(secret ->
                assertThat(Manifests.values(secret)).containsKey("REFRESHER_REFRESH_PENDING_ROTATION_KEY"));
    }

    @Test
    void shouldRunTwoReplicasThatADrainCannotTakeDownTogether() {
        JsonNode deployment = deployment();
        JsonNode budget = manifests.one("PodDisruptionBudget");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(budget.at("/spec/minAvailable").asInt()).isEqualTo(1);
        assertThat(selects(budget.at("/spec/selector/matchLabels"), deployment.at("/spec/template/metadata/labels")))
                .isTrue();
    }

    @Test
    void shouldUseTheWorkloadIdentityServiceAccount() {
        JsonNode account = manifests.one("ServiceAccount");
        JsonNode template = deployment().at("/spec/template");
        assertThat(template.at("/spec/serviceAccountName").asText()).isEqualTo(account.at("/metadata/name").asText());
        assertThat(account.at("/metadata/annotations").has("azure.workload.identity/client-id")).isTrue();
        assertThat(template.at("/metadata/labels").path("azure.workload.identity/use").asText()).isEqualTo("true");
    }

    @Test
    void shouldAdmitOnlyTheIngressControllerAndTheTriggerToTheAppAndOnlyMonitoringToManagement() {
        JsonNode policy = manifests.one("NetworkPolicy");
        assertThat(Manifests.texts(policy.at("/spec/policyTypes"))).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(selects(policy.at("/spec/podSelector/matchLabels"), deployment().at("/spec/template/metadata/labels")))
                .isTrue();

        List<JsonNode> appPeers = new ArrayList<>();
        List<JsonNode> managementPeers = new ArrayList<>();
        for (JsonNode rule : policy.at("/spec/ingress")) {
            List<String> ports = rule.path("ports").findValuesAsText("port");
            assertThat(ports).hasSize(1).containsAnyOf("http", "management");
            rule.path("from").forEach(ports.contains("http") ? appPeers::add : managementPeers::add);
        }
        assertThat(appPeers).hasSize(2);
        assertThat(appPeers).anySatisfy(peer -> assertThat(peer.at("/namespaceSelector/matchLabels")
                .path("kubernetes.io/metadata.name").asText()).isEqualTo("ingress-nginx"));
        JsonNode triggerLabels = manifests.one("CronJob").at("/spec/jobTemplate/spec/template/metadata/labels");
        assertThat(appPeers).anySatisfy(peer -> assertThat(selects(peer.at("/podSelector/matchLabels"), triggerLabels)).isTrue());
        assertThat(appPeers).noneSatisfy(peer -> assertThat(peer.path("podSelector").isObject()
                && peer.path("namespaceSelector").isObject()).isTrue());
        assertThat(managementPeers).singleElement().satisfies(peer -> assertThat(peer.at("/namespaceSelector/matchLabels")
                .path("kubernetes.io/metadata.name").asText()).isEqualTo("monitoring"));
    }

    @Test
    void shouldLetThePodsReachOnlyDnsPostgresAndHttpsButNeverTheInstanceMetadataService() {
        JsonNode egress = manifests.one("NetworkPolicy").at("/spec/egress");
        List<String> ports = new ArrayList<>();
        for (JsonNode rule : egress) {
            assertThat(rule.path("to")).as("every egress rule names its destinations").isNotEmpty();
            assertThat(rule.path("ports")).as("every egress rule names its ports").isNotEmpty();
            rule.path("ports").forEach(p -> ports.add(p.path("port").asText() + "/" + p.path("protocol").asText()));
            for (JsonNode peer : rule.path("to")) {
                if (peer.has("ipBlock")) {
                    assertThat(Manifests.texts(peer.at("/ipBlock/except"))).contains("169.254.169.254/32");
                } else {
                    assertThat(peer.at("/podSelector/matchLabels").path("k8s-app").asText()).isEqualTo("kube-dns");
                    assertThat(rule.path("ports").findValuesAsText("port")).containsOnly("53");
                }
            }
        }
        assertThat(ports).containsExactlyInAnyOrder("53/UDP", "53/TCP", "5432/TCP", "443/TCP");
    }

    @Test
    void shouldOfferAQstashOnlyVariantWithoutTheCronJob() {
        JsonNode component = Manifests.kustomization(Manifests.ROOT.resolve("components/qstash-only"));
        List<String> deleted = new ArrayList<>();
        component.path("patches").forEach(p -> deleted.add(p.path("patch").asText()));
        String cronJob = manifests.one("CronJob").at("/metadata/name").asText();
        String tokenSecret = cronPod().at("/volumes/0/secret/secretName").asText();
        assertThat(deleted).anySatisfy(p -> assertThat(p).contains("$patch: delete", "kind: CronJob", "name: " + cronJob));
        assertThat(deleted).anySatisfy(p -> assertThat(p).contains("$patch: delete", "kind: Secret", "name: " + tokenSecret));
        assertThat(overlayComponents("qstash-only")).containsExactly("../../components/qstash-only");
    }

    @Test
    void shouldOfferAVariantWithTheInProcessFallbackOn() {
        JsonNode generator = fallbackGenerator();
        assertThat(generator.path("name").asText()).isEqualTo(manifests.one("ConfigMap").at("/metadata/name").asText());
        assertThat(generator.path("behavior").asText()).isEqualTo("merge");
        assertThat(Manifests.texts(generator.path("literals"))).containsExactly("REFRESHER_CRON_FALLBACK_CRON=0 0/5 * * * ?");
        assertThat(Manifests.values(manifests.one("ConfigMap"))).containsEntry("REFRESHER_CRON_FALLBACK_CRON", "off");
        assertThat(overlayComponents("fallback-on")).containsExactly("../../components/fallback-on");
    }

    @Test
    void shouldOfferAJvmVariantWithoutTheNativeHeapArgumentAndALimitAboveTheImagesHeapAndItsMeasuredNativeMemory()
            throws IOException {
        JsonNode kustomization = Manifests.kustomization(Manifests.ROOT.resolve("overlays/jvm"));
        assertThat(Manifests.texts(kustomization.path("resources"))).containsExactly("../../base");
        assertThat(kustomization.at("/images/0/newTag").asText()).endsWith("-jvm");
        JsonNode patch = new ObjectMapper(new YAMLFactory()).readTree(
                kustomization.at("/patches/0/patch").asText());
        Map<String, String> operations = new LinkedHashMap<>();
        patch.forEach(op -> operations.put(op.path("path").asText(), op.path("op").asText() + " " + op.path("value").asText()));
        // run-java.sh would hand the base's native -Xmx160m to the application as an argument, not to the JVM
        assertThat(serverContainer().has("args")).isTrue();
        assertThat(operations).containsEntry("/spec/template/spec/containers/0/args", "remove ");
        Matcher heap = Pattern.compile("-Xmx(\\d+)m").matcher(Files.readString(Path.of("Dockerfile.jvm")));
        assertThat(heap.find()).as("Dockerfile.jvm sets -Xmx in MiB").isTrue();
        int limit = mebibytes(operations.get("/spec/template/spec/containers/0/resources/limits/memory"));
        int request = mebibytes(operations.get("/spec/template/spec/containers/0/resources/requests/memory"));
        // the 15-minute Key Vault soak measured 206 MiB outside the heap (BENCHMARKS.md, "Memory of the JVM image")
        assertThat(limit).isGreaterThan(Integer.parseInt(heap.group(1)) + 206);
        assertThat(request).isLessThanOrEqualTo(limit);
    }

    private static int mebibytes(String replacement) {
        Matcher quantity = Pattern.compile("replace (\\d+)Mi").matcher(String.valueOf(replacement));
        assertThat(quantity.matches()).as("a replace with a quantity in Mi: " + replacement).isTrue();
        return Integer.parseInt(quantity.group(1));
    }

    /** What the server container's environment receives from its ConfigMap and Secret, plus explicit env. */
    private Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>();
        JsonNode container = serverContainer();
        for (JsonNode source : container.path("envFrom")) {
            JsonNode object = source.has("configMapRef")
                    ? manifests.named("ConfigMap", source.at("/configMapRef/name").asText())
                    : manifests.named("Secret", source.at("/secretRef/name").asText());
            environment.putAll(Manifests.values(object));
        }
        container.path("env").forEach(e -> environment.put(e.path("name").asText(), e.path("value").asText()));
        return environment;
    }

    private JsonNode fallbackGenerator() {
        JsonNode component = Manifests.kustomization(Manifests.ROOT.resolve("components/fallback-on"));
        return component.at("/configMapGenerator/0");
    }

    private static List<String> overlayComponents(String overlay) {
        JsonNode kustomization = Manifests.kustomization(Manifests.ROOT.resolve("overlays").resolve(overlay));
        assertThat(Manifests.texts(kustomization.path("resources"))).containsExactly("../../base");
        return Manifests.texts(kustomization.path("components"));
    }

    private JsonNode deployment() {
        return manifests.one("Deployment");
    }

    private JsonNode serverContainer() {
        return deployment().at("/spec/template/spec/containers/0");
    }

    private JsonNode cronPod() {
        return manifests.one("CronJob").at("/spec/jobTemplate/spec/template/spec");
    }

    private List<String> curlArgs() {
        return Manifests.texts(cronPod().at("/containers/0/args"));
    }

    private static int port(JsonNode container, String name) {
        return find(container.path("ports"), p -> p.path("name").asText().equals(name)).path("containerPort").asInt();
    }

    /** A port the service listens on in production, from application.properties, or Quarkus' default. */
    private static int prodPort(String key, int quarkusDefault) throws IOException {
        return Integer.parseInt(prodProperty(key, String.valueOf(quarkusDefault)));
    }

    private static String prodProperty(String key) throws IOException {
        return prodProperty(key, "");
    }

    private static String prodProperty(String key, String quarkusDefault) throws IOException {
        SmallRyeConfig prod = new SmallRyeConfigBuilder().withProfile("prod")
                .withSources(new PropertiesConfigSource(
                        KubernetesManifestsTest.class.getClassLoader().getResource("application.properties"), 250))
                .build();
        return prod.getOptionalValue(key, String.class).orElse(quarkusDefault);
    }

    private static String valueAfter(List<String> args, String option) {
        int at = args.indexOf(option);
        assertThat(at).as(option).isNotNegative();
        return args.get(at + 1);
    }

    private static Map<String, String> labels(JsonNode labels) {
        Map<String, String> result = new LinkedHashMap<>();
        labels.fields().forEachRemaining(e -> result.put(e.getKey(), e.getValue().asText()));
        return result;
    }

    private static boolean selects(JsonNode selector, JsonNode podLabels) {
        return !selector.isEmpty() && labels(podLabels).entrySet().containsAll(labels(selector).entrySet());
    }

    private static JsonNode find(JsonNode array, Predicate<JsonNode> test) {
        return StreamSupport.stream(array.spliterator(), false).filter(test).findFirst()
                .orElseThrow(() -> new AssertionError("Not found in " + array));
    }
}
