package dev.oauthrefresher.sandbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import dev.oauthrefresher.testsupport.Management;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Dev mode's Swagger UI offers a working example key of the demo tenant. */
@QuarkusTest
@TestProfile(SandboxProfile.class)
@WithTestResource(EmbeddedPostgresResource.class)
class ExampleKeyTest {

    @Test
    void shouldShowAnExampleKeyOfTheDemoTenantThatTheTenantApiAccepts() {
        String description = Management.given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().path("components.securitySchemes.bearer.description");
        Matcher key = Pattern.compile("orf_live_[A-Za-z0-9_-]{43}").matcher(description);
        assertThat(key.find()).as("an example key in the bearer scheme's description").isTrue();

        List<String> tenants = given().header("Authorization", "Bearer " + key.group()).get("/v1/integrations")
                .then().statusCode(200).extract().path("items.tenantId");
        assertThat(tenants).hasSize(5).containsOnly("demo");
    }
}
