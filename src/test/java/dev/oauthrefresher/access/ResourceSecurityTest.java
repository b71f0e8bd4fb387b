package dev.oauthrefresher.access;

import static org.assertj.core.api.Assertions.assertThat;
import io.quarkus.security.PermissionsAllowed;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every resource method of the service says who may call it: a {@code /v1} method names the scopes it needs, an
 * {@code /admin} one is the operator's, anything else is public on purpose. The running service refuses an
 * unannotated method anyway ({@code deny-unannotated-endpoints}); this names it before it ships. Plain JUnit: reads
 * the compiled main classes ({@code target/classes}), not the test-only probe resource.
 */
class ResourceSecurityTest {

    /**
     * Resources that authenticate their callers themselves (the cron signature; the connect session in the link and
     * the browser binding at its callback), or serve only dev mode.
     */
    static final List<String> PUBLIC = List.of("/connect", "/cron/{task}", "/dev/sandbox", "/dev/sandbox/webhooks");

    record Endpoint(Class<?> resource, Method method) {
        String path() {
            return resource.getAnnotation(Path.class).value();
        }

        @Override
        public String toString() {
            return resource.getSimpleName() + "." + method.getName();
        }
    }

    @Test
    void shouldNameTheScopeOfEveryTenantMethod() throws Exception {
        List<Endpoint> tenant = endpoints().stream().filter(e -> e.path().startsWith("/v1")).toList();

        assertThat(tenant).as("/v1 methods").hasSizeGreaterThan(10);
        assertThat(tenant).allSatisfy(e -> {
            PermissionsAllowed allowed = e.method().getAnnotation(PermissionsAllowed.class);
            assertThat(allowed).as(e + " carries @PermissionsAllowed").isNotNull();
            assertThat(allowed.value()).as(e + ": each permission is a scope")
                    .allSatisfy(code -> assertThat(Scope.fromCode(code)).as(code).isPresent());
            assertThat(e.resource().getAnnotation(PermitAll.class)).as(e + " is not public").isNull();
            assertThat(e.method().getAnnotation(PermitAll.class)).as(e + " is not public").isNull();
        });
    }

    @Test
    void shouldKeepEveryAdminMethodToTheOperator() throws Exception {
        List<Endpoint> admin = endpoints().stream().filter(e -> e.path().startsWith("/admin")).toList();

        assertThat(admin).as("/admin methods").hasSizeGreaterThan(10);
        assertThat(admin).allSatisfy(e -> {
            RolesAllowed roles = e.resource().getAnnotation(RolesAllowed.class);
            assertThat(roles).as(e + "'s class carries @RolesAllowed").isNotNull();
            assertThat(roles.value()).as(e.toString()).containsExactly(AdminTokenIdentityProvider.ROLE);
            assertThat(Stream.of(PermitAll.class, RolesAllowed.class, PermissionsAllowed.class)
                    .filter(a -> e.method().isAnnotationPresent(a))).as(e + " overrides nothing").isEmpty();
        });
    }

    @Test
    void shouldMakeOnlyTheKnownResourcesPublic() throws Exception {
        List<String> others = endpoints().stream()
                .filter(e -> !e.path().startsWith("/v1") && !e.path().startsWith("/admin"))
                .peek(e -> assertThat(e.resource().getAnnotation(PermitAll.class)).as(e + " is @PermitAll").isNotNull())
                .map(Endpoint::path).distinct().toList();

        assertThat(PUBLIC).containsAll(others);
    }

    /** The HTTP methods of every {@code @Path} class compiled from src/main and src/dev. */
    static List<Endpoint> endpoints() throws IOException {
        java.nio.file.Path classes = java.nio.file.Path.of("target/classes");
        List<Endpoint> found = new ArrayList<>();
        try (Stream<java.nio.file.Path> files = Files.walk(classes)) {
            for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace(".class", "").replace('/', '.');
                Class<?> type = load(name);
                if (type.isAnnotationPresent(Path.class)) {
                    Arrays.stream(type.getDeclaredMethods())
                            .filter(m -> Arrays.stream(m.getAnnotations())
                                    .anyMatch(a -> a.annotationType().isAnnotationPresent(HttpMethod.class)))
                            .forEach(m -> found.add(new Endpoint(type, m)));
                }
            }
        }
        return found;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ResourceSecurityTest.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("cannot load " + name, e);
        }
    }
}
