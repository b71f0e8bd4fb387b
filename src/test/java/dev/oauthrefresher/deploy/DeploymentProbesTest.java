package dev.oauthrefresher.deploy;

import static org.hamcrest.Matchers.equalTo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.Management;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Deployment's probes, asked of the running application exactly as the kubelet asks them. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class DeploymentProbesTest {

    final JsonNode container = Manifests.base().one("Deployment").at("/spec/template/spec/containers/0");

    @Test
    void shouldAnswerEveryProbeOfTheDeploymentWithUp() {
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            String path = container.path(probe).at("/httpGet/path").asText();
            Management.given().get(path).then().statusCode(200).body("status", equalTo("UP"));
        }
    }
}
