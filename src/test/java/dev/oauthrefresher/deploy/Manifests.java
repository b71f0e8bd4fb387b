package dev.oauthrefresher.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

/**
 * The Kubernetes objects a kustomization produces, read from {@code k8s/} the way {@code kubectl kustomize}
 * does for what this project uses: {@code resources} (files and directories) and ConfigMap/Secret generators
 * fed by env files. Generated objects keep their plain names (no hash suffix) and their values unencoded, so
 * tests read them as written. Patches and components are not applied: tests read those files themselves.
 */
final class Manifests {

    static final Path ROOT = Path.of("k8s");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final List<JsonNode> objects;

    private Manifests(List<JsonNode> objects) {
        this.objects = List.copyOf(objects);
    }

    /** Everything {@code k8s/kustomization.yaml} renders. */
    static Manifests base() {
        List<JsonNode> objects = new ArrayList<>();
        collect(ROOT, objects);
        return new Manifests(objects);
    }

    static JsonNode kustomization(Path dir) {
        return document(dir.resolve("kustomization.yaml"));
    }

    /** The first YAML document of {@code file}. */
    static JsonNode document(Path file) {
        return readAll(file).get(0);
    }

    JsonNode one(String kind) {
        List<JsonNode> found = all(kind);
        if (found.size() != 1) {
            throw new AssertionError("Expected exactly one " + kind + " but found " + found.size());
        }
        return found.get(0);
    }

    List<JsonNode> all(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    JsonNode named(String kind, String name) {
        return all(kind).stream().filter(o -> name.equals(o.path("metadata").path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("No " + kind + " named " + name));
    }

    /** The key/value pairs of a ConfigMap ({@code data}) or Secret ({@code stringData}), as plain strings. */
    static Map<String, String> values(JsonNode configMapOrSecret) {
        JsonNode values = configMapOrSecret.has("stringData") ? configMapOrSecret.get("stringData")
                : configMapOrSecret.path("data");
        Map<String, String> result = new LinkedHashMap<>();
        values.fields().forEachRemaining(e -> result.put(e.getKey(), e.getValue().asText()));
        return result;
    }

    static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    /** The env-file lines {@code KEY=VALUE} kustomize reads, comments and blank lines left out. */
    static Map<String, String> envFile(Path file) {
        try {
            Map<String, String> values = new LinkedHashMap<>();
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int eq = line.indexOf('=');
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void collect(Path dir, List<JsonNode> into) {
        JsonNode kustomization = kustomization(dir);
        String namespace = kustomization.path("namespace").asText(null);
        List<JsonNode> here = new ArrayList<>();
        for (String resource : texts(kustomization.path("resources"))) {
            Path path = dir.resolve(resource).normalize();
            if (Files.isDirectory(path)) {
                collect(path, here);
            } else {
                here.addAll(readAll(path));
            }
        }
        generate(dir, kustomization.path("configMapGenerator"), "ConfigMap", "data", here);
        generate(dir, kustomization.path("secretGenerator"), "Secret", "stringData", here);
        if (namespace != null) {
            here.forEach(o -> ((ObjectNode) o.get("metadata")).put("namespace", namespace));
        }
        into.addAll(here);
    }

    private static void generate(Path dir, JsonNode generators, String kind, String field, List<JsonNode> into) {
        for (JsonNode generator : generators) {
            ObjectNode object = YAML.createObjectNode();
            object.put("apiVersion", "v1").put("kind", kind);
            object.putObject("metadata").put("name", generator.get("name").asText());
            ObjectNode values = object.putObject(field);
            for (String env : texts(generator.path("envs"))) {
                envFile(dir.resolve(env)).forEach(values::put);
            }
            for (String literal : texts(generator.path("literals"))) {
                int eq = literal.indexOf('=');
                values.put(literal.substring(0, eq), literal.substring(eq + 1));
            }
            into.add(object);
        }
    }

    private static List<JsonNode> readAll(Path file) {
        try {
            return YAML.readValues(YAML.getFactory().createParser(file.toFile()), JsonNode.class).readAll()
                    .stream().filter(node -> !node.isNull() && !node.isMissingNode()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }
}
