package dev.oauthrefresher.deploy;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceModifiedException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.vertx.VertxHttpClientProvider;
import com.azure.security.keyvault.secrets.models.DeletedSecret;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import dev.oauthrefresher.common.Secret;
import io.quarkus.runtime.annotations.RegisterForReflection;
import org.postgresql.ssl.DefaultJavaSSLFactory;

/**
 * Classes that libraries instantiate or call by name at run time, which a native image drops unless told to keep
 * them. {@code NativeImageGuardsTest} derives the Key Vault lists below from the SDK's jar, so an SDK upgrade that
 * adds a model or an exception type fails the build instead of a native pod.
 * <ul>
 * <li>{@link VertxHttpClientProvider}: azure-core finds its default HTTP client through {@code ServiceLoader}
 * (azure-identity's credentials use it when no client is passed), and Quarkus builds native images with the
 * service-loader feature off; azure-core's own native config already keeps the service file.</li>
 * <li>{@link DefaultJavaSSLFactory}: named by {@code sslfactory=} in the production JDBC URL so that the
 * PostgreSQL driver verifies the server against the image's built-in CA certificates.</li>
 * <li>{@link Secret.Refused}: the serializer {@code @JsonSerialize} names on {@link Secret}, which Jackson
 * instantiates reflectively.</li>
 * <li>The Key Vault secrets SDK's models: azure-core reads and writes a {@code JsonSerializable} model through its
 * static {@code fromJson} and its {@code toJson}, found reflectively, and makes an {@code ExpandableStringEnum}
 * through its no-argument constructor. Unregistered, a native build sends {@code {}} as every secret body.
 * azure-security-keyvault-secrets 4.10.6 ships reflection configuration for an older generation of its classes,
 * which names none of the {@code implementation.models} ones.</li>
 * <li>The azure-core exceptions the SDK's REST proxy creates reflectively for an unexpected status, as its
 * service interface's {@code @UnexpectedResponseExceptionType} annotations name them.</li>
 * </ul>
 */
@RegisterForReflection(targets = { VertxHttpClientProvider.class, DefaultJavaSSLFactory.class, Secret.Refused.class,
        KeyVaultSecret.class, DeletedSecret.class, SecretProperties.class,
        ClientAuthenticationException.class, HttpResponseException.class, ResourceModifiedException.class,
        ResourceNotFoundException.class },
        classNames = {
                "com.azure.security.keyvault.secrets.implementation.models.BackupSecretResult",
                "com.azure.security.keyvault.secrets.implementation.models.DeletedSecretBundle",
                "com.azure.security.keyvault.secrets.implementation.models.DeletedSecretItem",
                "com.azure.security.keyvault.secrets.implementation.models.DeletionRecoveryLevel",
                "com.azure.security.keyvault.secrets.implementation.models.SecretAttributes",
                "com.azure.security.keyvault.secrets.implementation.models.SecretBundle",
                "com.azure.security.keyvault.secrets.implementation.models.SecretItem",
                "com.azure.security.keyvault.secrets.implementation.models.SecretRestoreParameters",
                "com.azure.security.keyvault.secrets.implementation.models.SecretSetParameters",
                "com.azure.security.keyvault.secrets.implementation.models.SecretUpdateParameters" })
final class NativeImageRegistrations {

    private NativeImageRegistrations() {
    }
}
