package dev.oauthrefresher.deploy;

import com.azure.core.http.vertx.VertxHttpClientProvider;
import dev.oauthrefresher.common.Secret;
import io.quarkus.runtime.annotations.RegisterForReflection;
import org.postgresql.ssl.DefaultJavaSSLFactory;

/**
 * Classes that libraries instantiate by name at run time, which a native image drops unless told to keep them.
 * <ul>
 * <li>{@link VertxHttpClientProvider}: azure-core finds its default HTTP client through {@code ServiceLoader}
 * (azure-identity's credentials use it when no client is passed), and Quarkus builds native images with the
 * service-loader feature off; azure-core's own native config already keeps the service file.</li>
 * <li>{@link DefaultJavaSSLFactory}: named by {@code sslfactory=} in the production JDBC URL so that the
 * PostgreSQL driver verifies the server against the image's built-in CA certificates.</li>
 * <li>{@link Secret.Refused}: the serializer {@code @JsonSerialize} names on {@link Secret}, which Jackson
 * instantiates reflectively.</li>
 * </ul>
 */
@RegisterForReflection(targets = { VertxHttpClientProvider.class, DefaultJavaSSLFactory.class, Secret.Refused.class })
final class NativeImageRegistrations {

    private NativeImageRegistrations() {
    }
}
