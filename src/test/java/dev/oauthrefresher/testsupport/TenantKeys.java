package dev.oauthrefresher.testsupport;

import static io.restassured.RestAssured.given;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;

/** Issues tenant API keys through the admin API, as an operator would. */
public final class TenantKeys {

    public static final String ADMIN = "Bearer test-admin-token";
    public static final List<String> ALL_SCOPES = List.of("integrations:read", "integrations:write", "tokens:read",
            "webhooks:write");

    private TenantKeys() {
    }

    /** A new key of {@code tenant} with {@code scopes}; returns the key itself. */
    public static String issue(String tenant, List<String> scopes) {
        return given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "worker", "scopes", scopes))
                .post("/admin/tenants/{t}/api-keys", tenant)
                .then().statusCode(201).extract().path("key");
    }

    public static String issue(String tenant) {
        return issue(tenant, ALL_SCOPES);
    }

    public static String bearer(String key) {
        return "Bearer " + key;
    }
}
