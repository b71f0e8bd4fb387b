package dev.oauthrefresher.sandbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import dev.oauthrefresher.testsupport.EmbeddedPostgresResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A connect session clicked through in a real browser: Debian's headless Chromium, driven by its chromedriver, opens
 * the session's link, sees the sandbox's consent page, and clicks Approve (or Deny); the browser follows the service's
 * redirects and cookie on its own, and lands on the sandbox's stand-in for the app's page.
 *
 * <p>A failsafe test, outside the unit loop: it needs the system browser ({@code .ci/run} installs {@code chromium}
 * and {@code chromium-driver} as root where missing) and fails, never skips, without it. It is a {@code @QuarkusTest}
 * rather than a {@code @QuarkusIntegrationTest} because the sandbox exists only in a build with
 * {@code refresher.sandbox.enabled} (the dev profile's), which the packaged jar is not; it reuses the walkthrough's
 * boot configuration ({@link SandboxProfile}), in a JVM of its own, so the integrations it creates never meet the
 * walkthrough's exact listings.
 */
@QuarkusTest
@TestProfile(SandboxProfile.class)
@WithTestResource(EmbeddedPostgresResource.class)
class ConsentBrowserIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String ADMIN = "Bearer dev-admin-token";
    // literals, not the sandbox's constants: tests compile in a -Dprod build too, which has no src/dev
    private static final String TENANT = "demo";
    private static final String APP_PATH = "/dev/sandbox/connected";
    private static final String APP_PAGE = "http://localhost:" + SandboxProfile.PORT + APP_PATH;
    private static final String SUGGESTED_ACCOUNT = "you@demo.test";
    private static final Duration PAGE_WAIT = Duration.ofSeconds(30);

    private String key;
    private Path profile;
    private WebDriver browser;

    @BeforeAll
    static void requireTheSystemBrowser() {
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("ConsentBrowserIT needs Debian's chromium and chromedriver at %s and %s: "
                        + "apt-get install -y chromium chromium-driver (.ci/run does so as root)", CHROMIUM, CHROMEDRIVER)
                .isTrue();
    }

    @BeforeEach
    void openBrowser() throws IOException {
        key = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "browser-test", "scopes", List.of("integrations:read", "integrations:write",
                        "tokens:read")))
                .post("/admin/tenants/{t}/api-keys", TENANT)
                .then().statusCode(201).extract().path("key");
        profile = Files.createTempDirectory("consent-browser-");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                // STACK-FACTS "Browsers": headless as root, and no calls to Google's hosts from a fresh profile
                .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + profile);
        ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(driver, options);
    }

    @AfterEach
    void closeBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    @Test
    void shouldConnectTheAccountTheUserApprovesOnTheConsentPage() {
        String account = "browser-" + UUID.randomUUID().toString().substring(0, 8) + "@demo.test";

        browser.get(newSessionLink());
        WebElement scopes = consentPage();
        assertThat(scopes.getText()).contains("email", "calendar.read");
        assertThat(browser.getPageSource()).contains("sandbox-client");
        typeAccount(account);
        browser.findElement(By.id("approve")).click();

        Map<String, String> told = landedOnTheAppPage();
        assertThat(told).containsOnlyKeys("integration_id", "outcome").containsEntry("outcome", "connected");
        assertThat(browser.findElement(By.id("outcome")).getText()).isEqualTo("connected");
        assertThat(browser.findElement(By.id("integration")).getText()).isEqualTo(told.get("integration_id"));
        given().header("Authorization", "Bearer " + key).get("/v1/integrations/{id}", told.get("integration_id"))
                .then().statusCode(200)
                .body("externalAccount", equalTo(account))
                .body("providerGroup", equalTo("sandbox"))
                .body("status", equalTo("active"));
        // the grant the browser consented to works: the service hands out an access token of it
        String accessToken = given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body("{}")
                .post("/v1/integrations/{id}/access-token", told.get("integration_id"))
                .then().statusCode(200).extract().path("accessToken");
        assertThat(accessToken).startsWith("sbx-at-");
    }

    @Test
    void shouldStoreNothingWhenTheUserDenies() {
        String account = "denier-" + UUID.randomUUID().toString().substring(0, 8) + "@demo.test";
        List<String> before = accounts();

        browser.get(newSessionLink());
        consentPage();
        typeAccount(account);
        browser.findElement(By.id("deny")).click();

        Map<String, String> told = landedOnTheAppPage();
        assertThat(told).containsExactly(Map.entry("error", "access_denied"));
        assertThat(browser.findElement(By.id("error")).getText()).isEqualTo("access_denied");
        assertThat(accounts()).doesNotContain(account).containsExactlyInAnyOrderElementsOf(before);
    }

    /** A connect session of group {@code sandbox} returning to the sandbox's app page: the link for the browser. */
    private String newSessionLink() {
        String url = given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                .body(Map.of("providerGroup", "sandbox", "redirectUri", APP_PAGE))
                .post("/v1/connect-sessions")
                .then().statusCode(201).extract().path("url");
        assertThat(url).startsWith("http://localhost:" + SandboxProfile.PORT + "/connect/");
        return url;
    }

    /** The browser is on the sandbox's consent page (the service redirected it there): its list of scopes. */
    private WebElement consentPage() {
        WebElement scopes = new WebDriverWait(browser, PAGE_WAIT)
                .until(ExpectedConditions.presenceOfElementLocated(By.id("scopes")));
        assertThat(URI.create(browser.getCurrentUrl()).getPath()).isEqualTo("/dev/sandbox/authorize");
        assertThat(browser.getTitle()).isEqualTo("Sandbox provider: consent");
        return scopes;
    }

    private void typeAccount(String account) {
        WebElement field = browser.findElement(By.id("account"));
        assertThat(field.getAttribute("value")).isEqualTo(SUGGESTED_ACCOUNT);
        field.clear();
        field.sendKeys(account);
    }

    /** Waits until the browser, after the redirects, is on the app's page; what its query told the app. */
    private Map<String, String> landedOnTheAppPage() {
        new WebDriverWait(browser, PAGE_WAIT).until(ExpectedConditions.urlContains(APP_PATH + "?"));
        URI landed = URI.create(browser.getCurrentUrl());
        assertThat(landed.getScheme() + "://" + landed.getAuthority() + landed.getPath()).isEqualTo(APP_PAGE);
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : landed.getRawQuery().split("&")) {
            int equals = pair.indexOf('=');
            parameters.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return parameters;
    }

    private List<String> accounts() {
        return given().header("Authorization", "Bearer " + key).get("/v1/integrations?limit=200")
                .then().statusCode(200).extract().path("items.externalAccount");
    }
}
