package dev.oauthrefresher.deploy;

import dev.oauthrefresher.common.Secret;
import io.quarkus.agroal.runtime.DataSourcesJdbcRuntimeConfig;
import io.quarkus.datasource.runtime.DataSourcesRuntimeConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.ConfigMappingInterface.Property;
import io.smallrye.config.ConfigMappings;
import io.smallrye.config.ConfigMappings.ConfigClass;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The configuration keys this application declares, read from SmallRye's own metadata of every
 * {@code @ConfigMapping} interface under {@code dev.oauthrefresher} (plus the Quarkus datasource roots the
 * manifests set), so that renaming a key in code makes a manifest that still sets the old one fail.
 */
final class ConfigKeys {

    private static final String APP_PACKAGE = "dev.oauthrefresher";

    private final Map<String, Optional<String>> defaults;
    private final Set<String> properties;
    private final List<Pattern> dotted = new ArrayList<>();
    private final List<Pattern> env = new ArrayList<>();

    private ConfigKeys(Map<String, Optional<String>> defaults) {
        this.defaults = Collections.unmodifiableMap(defaults);
        this.properties = this.defaults.keySet();
        for (String property : properties) {
            dotted.add(Pattern.compile(toRegex(property, false)));
            env.add(Pattern.compile(toRegex(property, true)));
        }
    }

    static ConfigKeys declared() {
        Map<String, Optional<String>> defaults = new TreeMap<>();
        List<Class<?>> roots = new ArrayList<>(applicationMappings());
        roots.add(DataSourcesRuntimeConfig.class);
        roots.add(DataSourcesJdbcRuntimeConfig.class);
        for (Class<?> root : roots) {
            String prefix = root.getAnnotation(ConfigMapping.class).prefix();
            for (Map.Entry<String, Property> property : ConfigMappings.getProperties(new ConfigClass(root, prefix)).entrySet()) {
                Property declared = property.getValue();
                defaults.put(property.getKey(),
                        declared.hasDefaultValue() ? Optional.of(declared.getDefaultValue()) : Optional.empty());
            }
        }
        return new ConfigKeys(defaults);
    }

    /** Property names as SmallRye spells them, {@code *} standing for a map key, {@code [*]} for a list index. */
    Set<String> properties() {
        return properties;
    }

    /** The default the mapping declares for {@code property} ({@code @WithDefault}), named as in {@link #properties()}. */
    Optional<String> declaredDefault(String property) {
        return defaults.getOrDefault(property, Optional.empty());
    }

    /**
     * Whether an environment variable name reaches a declared key: either the property name itself
     * ({@code refresher.providers.google-default.type}) or its environment form ({@code REFRESHER_TOKEN_STORE_KIND}).
     */
    boolean matches(String variable) {
        List<Pattern> patterns = variable.chars().anyMatch(c -> c == '.' || Character.isLowerCase(c)) ? dotted : env;
        return patterns.stream().anyMatch(p -> p.matcher(variable).matches());
    }

    /** Every {@code @ConfigMapping} interface of the application, found in its compiled classes. */
    static List<Class<?>> applicationMappings() {
        List<Class<?>> mappings = new ArrayList<>();
        try {
            Path classes = Path.of(Secret.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            try (Stream<Path> files = Files.walk(classes.resolve(APP_PACKAGE.replace('.', '/')))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                    Class<?> type = Class.forName(name, false, ConfigKeys.class.getClassLoader());
                    if (type.isInterface() && type.isAnnotationPresent(ConfigMapping.class)) {
                        mappings.add(type);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException | ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return mappings;
    }

    private static String toRegex(String property, boolean envForm) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < property.length(); i++) {
            if (property.startsWith("[*]", i)) {
                regex.append(envForm ? "_[0-9]+_" : "\\[[0-9]+\\]");
                i += 2;
            } else if (property.charAt(i) == '*') {
                regex.append(envForm ? "[A-Z0-9_]+" : "(?:[^.\"]+|\"[^\"]+\")");
            } else if (Character.isLetterOrDigit(property.charAt(i))) {
                regex.append(envForm ? Character.toUpperCase(property.charAt(i)) : property.charAt(i));
            } else {
                regex.append(envForm ? "_" : Pattern.quote(String.valueOf(property.charAt(i))));
            }
        }
        return regex.toString();
    }
}
