package dev.oauthrefresher.cron;

import dev.oauthrefresher.testsupport.QStashSigner;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The trigger tests' profile: QStash signing keys (the published local-development ones), the public URL QStash
 * would call, and the in-process fallback checking every second with a short grace period, running
 * {@link FallbackTestTask}. One profile for both, so the cron tests share one boot.
 */
public class QStashProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "refresher.cron.qstash.current-signing-key", QStashSigner.CURRENT_KEY,
                "refresher.cron.qstash.next-signing-key", QStashSigner.NEXT_KEY,
                "refresher.cron.public-url", QStashSigner.PUBLIC_URL + "/",
                "refresher.cron.max-body-size", "1K",
                "refresher.cron.fallback.cron", "* * * * * ?",
                "refresher.cron.fallback.grace-period", "1m",
                "refresher.cron.fallback.task", FallbackTestTask.NAME);
    }
}
