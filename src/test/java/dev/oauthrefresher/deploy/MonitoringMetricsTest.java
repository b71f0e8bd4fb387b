package dev.oauthrefresher.deploy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.oauthrefresher.sandbox.SandboxProfile;
import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import dev.oauthrefresher.testsupport.Management;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The monitoring component names only metrics the service exposes: every metric in the alert rules and the
 * Grafana dashboard is read back from a running instance's {@code /q/metrics} (counters are registered at zero on
 * startup, so none waits for its first event). It runs on the sandbox instance, which has a provider group.
 */
@QuarkusTest
@TestProfile(SandboxProfile.class)
@WithTestResource(EmbeddedPostgresResource.class)
class MonitoringMetricsTest {

    private static final Path MONITORING = Manifests.ROOT.resolve("monitoring");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan");

    @Test
    void shouldExposeEveryMetricTheAlertsAndTheDashboardName() throws IOException {
        List<String> expressions = new ArrayList<>();
        ruleNodes().forEach(rule -> expressions.add(rule.path("expr").asText()));
        new ObjectMapper().readTree(MONITORING.resolve("grafana-dashboard.json").toFile()).findValues("expr")
                .forEach(expr -> expressions.add(expr.asText()));
        Set<String> named = new TreeSet<>();
        expressions.forEach(expr -> named.addAll(metricNames(expr)));
        assertThat(named).as("metrics the monitoring names").contains("refresher_integrations_overdue",
                "refresher_run_last_completed_timestamp_seconds", "refresher_refresh_duration_seconds_bucket",
                "refresher_provider_group_rejected_total", "http_server_requests_seconds_count");

        // the HTTP server metrics appear with the first application request
        given().get("/admin/tenants/demo").then().statusCode(401);
        Set<String> exposed = exposedMetrics();

        assertThat(named.stream().filter(name -> !exposed.contains(name)).toList())
                .as("metrics named in k8s/monitoring that the service does not expose").isEmpty();
    }

    @Test
    void shouldGiveEveryAlertASeverityASummaryAndARunbook() {
        List<JsonNode> rules = ruleNodes();
        assertThat(rules).hasSizeGreaterThanOrEqualTo(6);
        assertThat(rules).allSatisfy(rule -> {
            assertThat(rule.path("alert").asText()).startsWith("Refresher");
            assertThat(rule.at("/labels/severity").asText()).isIn("warning", "critical");
            assertThat(rule.at("/annotations/summary").asText()).isNotBlank();
            assertThat(rule.at("/annotations/runbook").asText()).hasSizeGreaterThan(100);
        });
    }

    @Test
    void shouldScrapeTheManagementPortOfTheServersService() {
        JsonNode monitor = Manifests.document(MONITORING.resolve("servicemonitor.yaml"));
        JsonNode service = Manifests.base().one("Service");
        assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("management");
        assertThat(service.at("/spec/ports").findValuesAsText("name")).contains("management");
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
        monitor.at("/spec/selector/matchLabels").fields().forEachRemaining(label -> assertThat(
                service.at("/metadata/labels").path(label.getKey()).asText()).as(label.getKey()).isEqualTo(label.getValue().asText()));
        assertThat(Manifests.kustomization(Manifests.ROOT.resolve("overlays/monitoring")).path("components").get(0).asText())
                .isEqualTo("../../monitoring");
    }

    /** Metric names in a PromQL expression: identifiers outside label matchers, ranges and grouping clauses that are not functions. */
    static Set<String> metricNames(String expr) {
        String bare = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                .replaceAll("\\{[^}]*\\}", " ")
                .replaceAll("\\[[^\\]]*\\]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(bare);
        while (m.find()) {
            String rest = bare.substring(m.end()).stripLeading();
            boolean function = rest.startsWith("(");
            boolean partOfNumber = m.start() > 0 && Character.isDigit(bare.charAt(m.start() - 1));
            if (!function && !partOfNumber && !PROMQL_WORDS.contains(m.group())) {
                names.add(m.group());
            }
        }
        return names;
    }

    private static List<JsonNode> ruleNodes() {
        List<JsonNode> rules = new ArrayList<>();
        Manifests.document(MONITORING.resolve("prometheusrule.yaml")).at("/spec/groups")
                .forEach(group -> group.path("rules").forEach(rules::add));
        return rules;
    }

    /** Sample names on the management interface's metrics endpoint. */
    private static Set<String> exposedMetrics() {
        String body = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        Set<String> names = new TreeSet<>();
        body.lines().filter(line -> !line.isBlank() && !line.startsWith("#"))
                .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
        return names;
    }
}
