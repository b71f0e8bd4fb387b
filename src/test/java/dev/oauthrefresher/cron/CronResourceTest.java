package dev.oauthrefresher.cron;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import dev.oauthrefresher.testsupport.FakePeersProfile;
import dev.oauthrefresher.testsupport.QStashSigner;
import dev.oauthrefresher.testsupport.Seeder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The trigger endpoint: QStash signatures (vectors minted by hand), CronJob bearer tokens, and bad input. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class CronResourceTest {

    static final String TASK = CountingTestTask.NAME;
    static final String PATH = "/cron/" + TASK;
    static final byte[] BODY = "{\"dryRun\":true}".getBytes(StandardCharsets.UTF_8);

    @Inject
    Seeder seeder;

    int runsBefore;
    long rowsBefore;

    @BeforeEach
    void snapshot() {
        runsBefore = CountingTestTask.RUNS.get();
        rowsBefore = recordedRuns();
    }

    long recordedRuns() {
        return seeder.count("SELECT count(*) FROM trigger_run WHERE task = :t", Map.of("t", TASK));
    }

    RequestSpecification signed(String signature, byte[] body) {
        return given().header("Upstash-Signature", signature).contentType("application/json").body(body);
    }

    void assertRejectedWithNothingRun(ValidatableResponse response, int status) {
        response.statusCode(status).contentType("application/problem+json");
        assertThat(CountingTestTask.RUNS.get()).as("task runs").isEqualTo(runsBefore);
        assertThat(recordedRuns()).as("trigger_run rows").isEqualTo(rowsBefore);
    }

    void assertRunOnce(ValidatableResponse response, String trigger) {
        response.statusCode(200).body("task", equalTo(TASK)).body("trigger", equalTo(trigger))
                .body("outcome", equalTo("completed")).body("refreshed", equalTo(2)).body("expired", equalTo(1));
        assertThat(CountingTestTask.RUNS.get()).isEqualTo(runsBefore + 1);
        assertThat(recordedRuns()).isEqualTo(rowsBefore + 1);
    }

    @Test
    void shouldAcceptASignatureMadeWithTheCurrentKey() {
        assertRunOnce(signed(QStashSigner.forTask(TASK).sign(BODY), BODY).post(PATH).then(), "qstash");
    }

    @Test
    void shouldAcceptASignatureMadeWithTheNextKey() {
        assertRunOnce(signed(QStashSigner.forTask(TASK).key(QStashSigner.NEXT_KEY).sign(BODY), BODY).post(PATH).then(), "qstash");
    }

    @Test
    void shouldAcceptAPaddedBodyHash() {
        assertRunOnce(signed(QStashSigner.forTask(TASK).paddedHashOf(BODY).sign(BODY), BODY).post(PATH).then(), "qstash");
    }

    @Test
    void shouldAcceptAnEmptyBodySignedAsSuch() {
        byte[] empty = new byte[0];
        assertRunOnce(given().header("Upstash-Signature", QStashSigner.forTask(TASK).sign(empty)).post(PATH).then(), "qstash");
    }

    @Test
    void shouldRejectAWrongKey() {
        assertRejectedWithNothingRun(signed(QStashSigner.forTask(TASK).key("sig_someoneElsesKeyEntirely00000").sign(BODY), BODY)
                .post(PATH).then(), 401);
    }

    @Test
    void shouldRejectATamperedBody() {
        String signature = QStashSigner.forTask(TASK).sign(BODY);
        assertRejectedWithNothingRun(signed(signature, "{\"dryRun\":false}".getBytes(StandardCharsets.UTF_8)).post(PATH).then(), 401);
    }

    @Test
    void shouldRejectATamperedSubject() {
        assertRejectedWithNothingRun(signed(QStashSigner.forTask(TASK).subject("https://evil.example/cron/" + TASK).sign(BODY), BODY)
                .post(PATH).then(), 401);
    }

    @Test
    void shouldRejectASignatureForAnotherTask() {
        assertRejectedWithNothingRun(signed(QStashSigner.forTask("other-task").sign(BODY), BODY).post(PATH).then(), 401);
    }

    @Test
    void shouldRejectAnExpiredSignature() {
        assertRejectedWithNothingRun(signed(QStashSigner.forTask(TASK).notBefore(Instant.now().minusSeconds(600))
                .expires(Instant.now().minusSeconds(60)).sign(BODY), BODY).post(PATH).then(), 401);
    }

    @Test
    void shouldRejectASignatureNotYetValid() {
        assertRejectedWithNothingRun(signed(QStashSigner.forTask(TASK).notBefore(Instant.now().plusSeconds(120))
                .expires(Instant.now().plusSeconds(600)).sign(BODY), BODY).post(PATH).then(), 401);
    }

    @Test
    void shouldRejectAWrongIssuer() {
        assertRejectedWithNothingRun(signed(QStashSigner.forTask(TASK).issuer("NotUpstash").sign(BODY), BODY).post(PATH).then(), 401);
    }

    @Test
    void shouldRejectAlgNone() {
        assertRejectedWithNothingRun(signed(QStashSigner.forTask(TASK).alg("none").sign(BODY), BODY).post(PATH).then(), 401);
    }

    @Test
    void shouldRejectHs512() {
        assertRejectedWithNothingRun(signed(QStashSigner.forTask(TASK).alg("HS512").sign(BODY), BODY).post(PATH).then(), 401);
    }

    @Test
    void shouldRejectTruncatedAndGarbledTokens() {
        String valid = QStashSigner.forTask(TASK).sign(BODY);
        assertRejectedWithNothingRun(signed(valid.substring(0, valid.length() - 10), BODY).post(PATH).then(), 401);
        assertRejectedWithNothingRun(signed("not.a.jwt", BODY).post(PATH).then(), 401);
        assertRejectedWithNothingRun(signed("%%%garbage%%%", BODY).post(PATH).then(), 401);
    }

    @Test
    void shouldRejectAMissingSignatureWithoutSayingWhatFailed() {
        given().contentType("application/json").body(BODY).post(PATH)
                .then().statusCode(401).body("detail", equalTo("Missing or invalid credentials."));
        assertThat(CountingTestTask.RUNS.get()).isEqualTo(runsBefore);
    }

    @Test
    void shouldRejectAReplayedSignature() {
        String signature = QStashSigner.forTask(TASK).jti("jwt_replay_" + UUID.randomUUID()).sign(BODY);
        assertRunOnce(signed(signature, BODY).post(PATH).then(), "qstash");
        runsBefore = CountingTestTask.RUNS.get();
        rowsBefore = recordedRuns();
        assertRejectedWithNothingRun(signed(signature, BODY).post(PATH).then(), 401);
    }

    @Test
    void shouldAnswerARepeatedMessageIdWithTheFirstRunsSummary() {
        String messageId = "msg_" + UUID.randomUUID();
        String firstRun = signed(QStashSigner.forTask(TASK).sign(BODY), BODY).header("Upstash-Message-Id", messageId)
                .post(PATH).then().statusCode(200).extract().path("runId");
        int runsAfterFirst = CountingTestTask.RUNS.get();
        long rowsAfterFirst = recordedRuns();

        // QStash's retry: same message id, a fresh signature.
        signed(QStashSigner.forTask(TASK).sign(BODY), BODY).header("Upstash-Message-Id", messageId)
                .post(PATH).then().statusCode(200).body("runId", equalTo(firstRun)).body("refreshed", equalTo(2));

        assertThat(CountingTestTask.RUNS.get()).isEqualTo(runsAfterFirst);
        assertThat(recordedRuns()).isEqualTo(rowsAfterFirst);
    }

    @Test
    void shouldAnswer409WhileTheSameMessageIsStillRunning() {
        String messageId = "msg_" + UUID.randomUUID();
        seeder.sql("INSERT INTO trigger_run (id, task, trigger_kind, message_id, started_at, outcome) "
                + "VALUES (:id, :task, 'qstash', :m, now(), 'running')", Map.of("id", UUID.randomUUID(), "task", TASK, "m", messageId));
        rowsBefore = recordedRuns();
        signed(QStashSigner.forTask(TASK).sign(BODY), BODY).header("Upstash-Message-Id", messageId)
                .post(PATH).then().statusCode(409).header("Retry-After", equalTo("30")).contentType("application/problem+json");
        assertThat(CountingTestTask.RUNS.get()).isEqualTo(runsBefore);
        assertThat(recordedRuns()).isEqualTo(rowsBefore);
    }

    @Test
    void shouldLetARetryTakeOverARunAbandonedByACrashedReplica() {
        String messageId = "msg_" + UUID.randomUUID();
        UUID abandoned = UUID.randomUUID();
        seeder.sql("INSERT INTO trigger_run (id, task, trigger_kind, message_id, started_at, outcome) "
                + "VALUES (:id, :task, 'qstash', :m, now() - interval '1 hour', 'running')",
                Map.of("id", abandoned, "task", TASK, "m", messageId));

        signed(QStashSigner.forTask(TASK).sign(BODY), BODY).header("Upstash-Message-Id", messageId)
                .post(PATH).then().statusCode(200).body("runId", equalTo(abandoned.toString()));
        assertThat(CountingTestTask.RUNS.get()).isEqualTo(runsBefore + 1);
    }

    @Test
    void shouldAnswerAFailedRunWith500AndRecordItWithoutLeakingItsCause() {
        given().header("Authorization", "Bearer test-cron-token").post("/cron/" + FailingTestTask.NAME)
                .then().statusCode(500).contentType("application/problem+json")
                .body("detail", equalTo("The run failed; it is recorded as failed and logged."));
        assertThat(seeder.count("SELECT count(*) FROM trigger_run WHERE task = :t AND outcome = 'failed'",
                Map.of("t", FailingTestTask.NAME))).isGreaterThanOrEqualTo(1);
    }

    @Test
    void shouldAnswerASqlErrorThatIsNoLostConnectionWith500NotARetryable503() {
        given().header("Authorization", "Bearer test-cron-token").post("/cron/" + SqlErrorTestTask.NAME)
                .then().statusCode(500).contentType("application/problem+json")
                .header("Retry-After", org.hamcrest.Matchers.nullValue())
                .body("detail", equalTo("The run failed; it is recorded as failed and logged."));
    }

    @Test
    void shouldAnswer489NonRetryableForAnInvalidRunRequestSignedByQStash() {
        byte[] bad = "{\"limit\":0}".getBytes(StandardCharsets.UTF_8);
        assertRejectedWithNothingRun(signed(QStashSigner.forTask(TASK).sign(bad), bad).post(PATH).then()
                .header("Upstash-NonRetryable-Error", equalTo("true"))
                .body("detail", equalTo("limit: must be at least 1")), 489);
    }

    @Test
    void shouldAnswer489NonRetryableForAnUnknownTaskSignedByQStash() {
        given().header("Upstash-Signature", QStashSigner.forTask("no-such-task").sign(BODY)).contentType("application/json")
                .body(BODY).post("/cron/no-such-task")
                .then().statusCode(489).header("Upstash-NonRetryable-Error", equalTo("true"))
                .contentType("application/problem+json").body("detail", containsString("no-such-task"));
    }

    @Test
    void shouldAcceptTheCronJobsBearerTokenAndItsRotatedSuccessor() {
        assertRunOnce(given().header("Authorization", "Bearer test-cron-token").post(PATH).then(), "bearer");
        runsBefore = CountingTestTask.RUNS.get();
        rowsBefore = recordedRuns();
        assertRunOnce(given().header("Authorization", "Bearer test-cron-token-next").post(PATH).then(), "bearer");
    }

    @Test
    void shouldRejectWrongEmptyAndNonBearerCredentials() {
        assertRejectedWithNothingRun(given().header("Authorization", "Bearer wrong-token").post(PATH).then(), 401);
        assertRejectedWithNothingRun(given().header("Authorization", "Bearer ").post(PATH).then(), 401);
        assertRejectedWithNothingRun(given().header("Authorization", "").post(PATH).then(), 401);
        assertRejectedWithNothingRun(given().header("Authorization", "Basic dGVzdC1jcm9uLXRva2Vu").post(PATH).then(), 401);
    }

    @Test
    void shouldAnswer404ForAnUnknownTaskCalledWithABearerToken() {
        given().header("Authorization", "Bearer test-cron-token").post("/cron/no-such-task")
                .then().statusCode(404).contentType("application/problem+json")
                .body("detail", containsString("refresh-expiring-integrations"));
    }

    @Test
    void shouldNameTheBadFieldOfTheRunRequest() {
        RequestSpecification bearer = given().header("Authorization", "Bearer test-cron-token").contentType("application/json");
        assertRejectedWithNothingRun(bearer.body("{\"tenant\":\"acme\",\"colour\":\"red\"}").post(PATH).then()
                .body("detail", equalTo("Unknown field 'colour'.")), 400);
        assertRejectedWithNothingRun(given().header("Authorization", "Bearer test-cron-token").contentType("application/json")
                .body("{\"limit\":\"lots\"}").post(PATH).then()
                .body("detail", equalTo("Field 'limit' has the wrong type or format.")), 400);
        assertRejectedWithNothingRun(given().header("Authorization", "Bearer test-cron-token").contentType("application/json")
                .body("{\"limit\":-5}").post(PATH).then()
                .body("detail", equalTo("limit: must be at least 1")), 400);
        assertRejectedWithNothingRun(given().header("Authorization", "Bearer test-cron-token").contentType("application/json")
                .body("{\"limit\":").post(PATH).then().body("detail", equalTo("The request body is not valid JSON.")), 400);
    }

    @Test
    void shouldPassTheRunRequestToTheTask() {
        given().header("Authorization", "Bearer test-cron-token").contentType("application/json")
                .body("{\"dryRun\":true,\"limit\":5}").post(PATH)
                .then().statusCode(200).body("details.dryRun", equalTo(true));
    }

    @Test
    void shouldAnswer413ForABodyOverTheCap() {
        String big = "{\"tenant\":\"" + "a".repeat(2000) + "\"}";
        assertRejectedWithNothingRun(given().header("Authorization", "Bearer test-cron-token").contentType("application/json")
                .body(big).post(PATH).then(), 413);
    }

    @Test
    void shouldAnswer413ForASignedBodyOverTheCap() {
        byte[] big = ("{\"tenant\":\"" + "a".repeat(2000) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertRejectedWithNothingRun(signed(QStashSigner.forTask(TASK).sign(big), big).post(PATH).then(), 413);
    }

    @Test
    void shouldRefuseACallerWithoutCredentialsBeforeReadingTheBody() {
        // over the cap, yet 401 rather than 413: an unsigned call is refused before its body is read
        String big = "{\"tenant\":\"" + "a".repeat(2000) + "\"}";
        assertRejectedWithNothingRun(given().contentType("application/json").body(big).post(PATH).then(), 401);
        assertRejectedWithNothingRun(given().header("Authorization", "Bearer wrong-token").contentType("application/json")
                .body(big).post(PATH).then(), 401);
    }

    @Test
    void shouldAnswer415ForABodyThatIsNotJson() {
        assertRejectedWithNothingRun(given().header("Authorization", "Bearer test-cron-token").contentType("text/plain")
                .body("tenant=acme").post(PATH).then(), 415);
    }
}
