package dev.oauthrefresher.cron;

import dev.oauthrefresher.testsupport.QStashSigner;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** QStash signing keys (the published local-development ones) and the public URL QStash would call. */
public class QStashProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "refresher.cron.qstash.current-signing-key", QStashSigner.CURRENT_KEY,
                "refresher.cron.qstash.next-signing-key", QStashSigner.NEXT_KEY,
                "refresher.cron.public-url", QStashSigner.PUBLIC_URL + "/",
                "refresher.cron.max-body-size", "1K");
    }
}
