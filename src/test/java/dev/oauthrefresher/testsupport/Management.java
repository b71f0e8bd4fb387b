package dev.oauthrefresher.testsupport;

import io.quarkus.test.common.http.TestHTTPResourceManager;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import java.net.URI;

/** Requests to the management interface ({@code /q/health}, {@code /q/metrics}, {@code /q/openapi}) of the app under test. */
public final class Management {

    private Management() {
    }

    /** A RestAssured request aimed at the management interface's random test port instead of the application's. */
    public static RequestSpecification given() {
        // the test URL ends in the management root path (/q); requests here name their full path
        URI management = URI.create(TestHTTPResourceManager.getManagementUri());
        return RestAssured.given().baseUri(management.getScheme() + "://" + management.getHost()).port(management.getPort());
    }
}
