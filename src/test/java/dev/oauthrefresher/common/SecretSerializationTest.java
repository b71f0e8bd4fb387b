package dev.oauthrefresher.common;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.oauthrefresher.tokenstore.TokenSet;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import dev.oauthrefresher.testsupport.FakePeersProfile;

/** The application's own ObjectMapper (what responses are written with) refuses a Secret wherever it sits. */
@QuarkusTest
@TestProfile(FakePeersProfile.class)
class SecretSerializationTest {

    static final String VALUE = "secret-value-never-serialized";

    @Inject
    ObjectMapper json;

    @Test
    void shouldRefuseToSerializeASecretAloneInAMapOrInsideARecord() {
        Secret secret = Secret.of(VALUE);
        TokenSet tokens = new TokenSet(secret, secret, Instant.EPOCH, Optional.empty(), "Bearer");
        for (Object holder : new Object[] { secret, Map.of("token", secret), tokens }) {
            assertThatThrownBy(() -> json.writeValueAsString(holder))
                    .isInstanceOf(JsonMappingException.class)
                    .hasMessageContaining("never serialized")
                    .hasMessageNotContaining(VALUE);
        }
    }
}
