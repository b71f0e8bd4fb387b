package dev.oauthrefresher.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import com.azure.core.annotation.UnexpectedResponseExceptionType;
import com.azure.core.annotation.UnexpectedResponseExceptionTypes;
import com.azure.core.util.ExpandableStringEnum;
import com.azure.json.JsonSerializable;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.resteasy.reactive.RestResponse;
import org.junit.jupiter.api.Test;

/**
 * What a native executable needs and the JVM does not, checked without a native compiler (none is served to these
 * machines): each test stands for a failure a native build or a native pod showed, so it comes back as a red test
 * here rather than as a failed image build or a 500 in production.
 */
class NativeImageGuardsTest {

    /** Types that must never sit in a static field: Quarkus would initialise the class at build time and freeze it. */
    private static final List<Class<?>> BUILD_TIME_POISON = List.of(java.util.Random.class, Thread.class,
            java.util.Timer.class, java.util.concurrent.ExecutorService.class, io.vertx.core.Vertx.class,
            io.vertx.core.http.HttpClient.class, io.vertx.ext.web.client.WebClient.class,
            io.vertx.mutiny.core.Vertx.class, io.vertx.mutiny.ext.web.client.WebClient.class,
            com.azure.core.http.HttpClient.class, com.azure.core.http.HttpPipeline.class,
            com.azure.core.credential.TokenCredential.class);

    /** The packages of src/dev, as .ci/check-prod-artifact names them. */
    private static final Pattern DEV_ONLY = Pattern.compile("dev\\.oauthrefresher\\.(devdb|sandbox)\\.");

    private static final String SECRETS_SERVICE =
            "com.azure.security.keyvault.secrets.implementation.SecretClientImpl$SecretClientService";

    @Test
    void shouldHoldNoGeneratorThreadVertxOrSdkClientInAStaticField() {
        List<String> offenders = new ArrayList<>();
        for (Class<?> type : applicationClasses()) {
            for (Field field : type.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers()) && isPoison(field.getType())) {
                    offenders.add(type.getName() + "." + field.getName() + " : " + field.getType().getName());
                }
            }
        }
        assertThat(offenders).as("static fields a native build would freeze into the image (use a field of the bean, "
                + "or create the value when it is needed)").isEmpty();
    }

    @Test
    void shouldRegisterEveryKeyVaultSecretsModelThatAzureCoreSerialisesReflectively() throws IOException {
        Set<String> models = new TreeSet<>();
        try (JarFile jar = new JarFile(jarOf(KeyVaultSecret.class).toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                String name = entry.getName();
                if (name.startsWith("com/azure/security/keyvault/secrets/") && name.endsWith(".class")) {
                    Class<?> type = load(name.substring(0, name.length() - ".class".length()).replace('/', '.'));
                    if (!type.isInterface() && !Modifier.isAbstract(type.getModifiers())
                            && (JsonSerializable.class.isAssignableFrom(type) || ExpandableStringEnum.class.isAssignableFrom(type))) {
                        models.add(type.getName());
                    }
                }
            }
        }
        assertThat(models).as("the scan found the SDK's models").contains(
                "com.azure.security.keyvault.secrets.implementation.models.SecretSetParameters",
                "com.azure.security.keyvault.secrets.implementation.models.SecretBundle");
        assertThat(registeredForReflection()).as("registered in NativeImageRegistrations").containsAll(models);
    }

    @Test
    void shouldRegisterEveryExceptionTheKeyVaultRestProxyCreatesReflectively() {
        Set<String> exceptions = new TreeSet<>();
        for (Method method : load(SECRETS_SERVICE).getDeclaredMethods()) {
            List<UnexpectedResponseExceptionType> declared = new ArrayList<>();
            declared.addAll(Arrays.asList(method.getAnnotationsByType(UnexpectedResponseExceptionType.class)));
            UnexpectedResponseExceptionTypes container = method.getAnnotation(UnexpectedResponseExceptionTypes.class);
            if (container != null) {
                declared.addAll(Arrays.asList(container.value()));
            }
            declared.forEach(annotation -> exceptions.add(annotation.value().getName()));
        }
        assertThat(exceptions).as("the scan found the service interface's exception types")
                .contains("com.azure.core.exception.ResourceNotFoundException");
        assertThat(registeredForReflection()).as("registered in NativeImageRegistrations").containsAll(exceptions);
    }

    @Test
    void shouldDeclareTheEntityTypeOfEveryResourceMethod() {
        List<String> untyped = new ArrayList<>();
        int resourceMethods = 0;
        for (Class<?> type : applicationClasses()) {
            // src/dev (the sandbox) is never part of a -Dprod build, so never of a native executable
            if (!type.isAnnotationPresent(jakarta.ws.rs.Path.class) || DEV_ONLY.matcher(type.getName()).lookingAt()) {
                continue;
            }
            for (Method method : type.getDeclaredMethods()) {
                if (Stream.of(method.getAnnotations()).noneMatch(a -> a.annotationType().isAnnotationPresent(HttpMethod.class))) {
                    continue;
                }
                resourceMethods++;
                if (hidesItsEntity(method.getGenericReturnType())) {
                    untyped.add(type.getName() + "." + method.getName() + " : " + method.getGenericReturnType().getTypeName());
                }
            }
        }
        assertThat(resourceMethods).as("resource methods found").isGreaterThan(20);
        // Quarkus registers for Jackson only the types it sees in resource signatures: an entity inside a raw
        // Response is invisible to it, and a native executable then answers 500 (return the DTO or RestResponse<T>)
        assertThat(untyped).as("resource methods whose entity type Quarkus cannot see").isEmpty();
    }

    @Test
    void shouldNameOnlyClassesThatExistInTheRunTimeInitialisationFlags() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("application.properties")) {
            properties.load(in);
        }
        String args = properties.getProperty("quarkus.native.additional-build-args", "");
        List<String> classes = Stream.of(args.split(",")).map(String::strip)
                .filter(arg -> arg.startsWith("--initialize-at-run-time="))
                .map(arg -> arg.substring("--initialize-at-run-time=".length())).toList();
        assertThat(classes).as("the run-time initialisations application.properties asks for").hasSize(6);
        // one class per flag (a package would initialise far more than the cause needs), each still in the SDK
        classes.forEach(name -> assertThat(load(name)).as(name).isNotNull());
        assertThat(properties.getProperty("quarkus.native.native-image-xmx")).as("the builder's heap is pinned").isNotBlank();
    }

    /** A raw {@code Response} or {@code RestResponse}, also inside a {@code Uni} or {@code CompletionStage}. */
    private static boolean hidesItsEntity(Type returned) {
        if (returned instanceof ParameterizedType parameterized) {
            Type raw = parameterized.getRawType();
            if (raw == Uni.class || raw == CompletionStage.class) {
                return hidesItsEntity(parameterized.getActualTypeArguments()[0]);
            }
            return false;
        }
        return returned == Response.class || returned == RestResponse.class || returned == Uni.class
                || returned == CompletionStage.class;
    }

    private static boolean isPoison(Class<?> type) {
        return BUILD_TIME_POISON.stream().anyMatch(poison -> poison.isAssignableFrom(type));
    }

    /** Everything named by a {@code @RegisterForReflection} of the application. */
    private static Set<String> registeredForReflection() {
        Set<String> names = new TreeSet<>();
        for (Class<?> type : applicationClasses()) {
            RegisterForReflection registration = type.getAnnotation(RegisterForReflection.class);
            if (registration != null) {
                Arrays.stream(registration.targets()).map(Class::getName).forEach(names::add);
                names.addAll(Arrays.asList(registration.classNames()));
            }
        }
        return names;
    }

    /** The application's compiled classes (main and, outside {@code -Dprod}, the dev-only ones). */
    static List<Class<?>> applicationClasses() {
        Path root = jarOf(NativeImageRegistrations.class);
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(root::relativize).map(Path::toString)
                    .filter(name -> name.startsWith("dev/oauthrefresher/") && name.endsWith(".class"))
                    .<Class<?>>map(name -> load(name.substring(0, name.length() - ".class".length()).replace('/', '.')))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path jarOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, NativeImageGuardsTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError("class " + name + " is not on the classpath", e);
        }
    }
}
