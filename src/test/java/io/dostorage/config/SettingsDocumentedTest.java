package io.dostorage.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Users read a setting's default in three places besides the code: the managed plugin's
 * {@code config.json} (what {@code docker plugin inspect} shows), {@code .env.example}, and the
 * settings table in {@code docs/settings.md} (linked from the README). They must all say what the plugin really does with no setting given:
 * the production defaults of {@code application.properties}.
 */
class SettingsDocumentedTest {

    /** {@code dostorage.x=${VARIABLE:default}} in the production (unprofiled) lines. */
    private static final Pattern SETTING = Pattern.compile("^(?:dostorage\\.[a-z.-]+|quarkus\\.log\\.level)=\\$\\{([A-Z_]+):([^}]*)\\}$");

    /** Read by the test-only crash hook or only by the emulator; not settings a user sets on a droplet. */
    private static final java.util.Set<String> NOT_FOR_USERS = java.util.Set.of("CRASH_AT", "DO_EMULATOR",
            "DO_EMULATOR_ACTION_DELAY", "DO_EMULATOR_TOKEN", "DO_EMULATOR_LOOP_DEVICES");

    @Test
    void configJsonOffersEverySettingWithItsRealDefault() throws IOException {
        Map<String, String> shipped = new TreeMap<>();
        for (JsonNode env : new ObjectMapper().readTree(Path.of("config.json").toFile()).get("env")) {
            shipped.put(env.get("name").asText(), env.get("value").asText());
        }
        Map<String, String> expected = productionDefaults();
        expected.put("STATE_DIR", "/mnt/.dostorage");
        expected.put("ACCESS_TOKEN", "");
        assertEquals(expected, shipped);
    }

    @Test
    void envExampleListsEverySettingWithItsRealDefault() throws IOException {
        Map<String, String> listed = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of(".env.example"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                listed.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        Map<String, String> expected = productionDefaults();
        expected.put("STATE_DIR", "");
        expected.put("ACCESS_TOKEN", "");
        assertEquals(expected, listed);
    }

    @Test
    void theSettingsTableInTheDocsGivesEveryDefault() throws IOException {
        String readme = Files.readString(Path.of("docs/settings.md"));
        productionDefaults().forEach((name, value) -> {
            if (!value.isEmpty()) {
                assertTrue(Pattern.compile("\\| `" + name + "`[^\\n]*\\| `" + Pattern.quote(value) + "`").matcher(readme).find()
                        || Pattern.compile("`" + name + "` / `[A-Z_]+` \\| `" + Pattern.quote(value) + "` /").matcher(readme).find()
                        || Pattern.compile("`[A-Z_]+` / `" + name + "` \\| `[^`]+` / `" + Pattern.quote(value) + "`").matcher(readme).find(),
                        "docs/settings.md's settings table gives " + name + " the default " + value);
            }
        });
    }

    /**
     * The plugin's command line is written three times: config.json's entry point (what the managed
     * plugin runs), Dockerfile.jvm's ENTRYPOINT (a run by hand) and the AOT cache's training start in
     * Dockerfile.jvm. A JVM uses an AOT cache (JEP 483) only when it runs as the training that wrote
     * it did (the same JVM, class path, GC, heap and object-header flags), and silently ignores it
     * otherwise: a start about twice as slow that nobody notices. So the three must be identical,
     * name the cache, and run the image's own jlink'd runtime.
     */
    @Test
    void theImageTrainsItsAotCacheWithTheCommandThePluginRunsWith() throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        List<String> entrypoint = new ArrayList<>();
        mapper.readTree(Path.of("config.json").toFile()).get("entrypoint").forEach(n -> entrypoint.add(n.asText()));
        String dockerfile = Files.readString(Path.of("Dockerfile.jvm"));
        Matcher image = Pattern.compile("(?m)^ENTRYPOINT (\\[.*])$").matcher(dockerfile);
        Matcher training = Pattern.compile("(?m)^RUN \\[\"/opt/dostorage/aot-cache.sh\", (.*])$").matcher(dockerfile);
        assertTrue(image.find() && training.find(), "Dockerfile.jvm has an ENTRYPOINT and the aot-cache.sh training start");

        assertEquals(entrypoint, strings(mapper.readTree(image.group(1))), "Dockerfile.jvm's ENTRYPOINT is config.json's");
        assertEquals(entrypoint, strings(mapper.readTree("[" + training.group(1))), "the training start is config.json's entry point");
        assertEquals("/opt/java/bin/java", entrypoint.get(0), "the jlink'd runtime of the image (a plugin's PATH does not name it)");
        List<String> flags = entrypoint.subList(1, entrypoint.indexOf("-jar"));
        assertTrue(flags.contains("-XX:AOTCache=/opt/dostorage/app.aot"), "the plugin uses the AOT cache: " + flags);
        assertEquals(List.of("-jar", "/opt/dostorage/quarkus-run.jar"), entrypoint.subList(entrypoint.size() - 2, entrypoint.size()));
    }

    /**
     * The image's sqlite-jdbc jar holds no native library (src/main/docker/sqlite-native.sh): the entry
     * point must name the folder the Dockerfile puts it in, or the plugin cannot open its state.
     */
    @Test
    void theEntryPointLoadsSqliteFromTheFolderTheImageFills() throws IOException {
        JsonNode entrypoint = new ObjectMapper().readTree(Path.of("config.json").toFile()).get("entrypoint");
        List<String> flags = strings(entrypoint);
        assertTrue(flags.contains("-Dorg.sqlite.lib.path=/opt/dostorage/native") && flags.contains("-Dorg.sqlite.lib.name=libsqlitejdbc.so"),
                "config.json's entry point names sqlite-jdbc's library folder and file: " + flags);
        String dockerfile = Files.readString(Path.of("Dockerfile.jvm"));
        assertTrue(dockerfile.contains("sqlite-native.sh") && dockerfile.contains("COPY --from=jdk /tmp/sqlite-out/native/ /opt/dostorage/native/"),
                "Dockerfile.jvm copies the library made by sqlite-native.sh to /opt/dostorage/native/");
    }

    /** The AOT cache records each jar's size and time: the jars must be final before its training. */
    @Test
    void theImageStoresTheJarsResourcesBeforeItTrainsTheCache() throws IOException {
        String dockerfile = Files.readString(Path.of("Dockerfile.jvm"));
        int stored = dockerfile.indexOf("StoreResources.java /tmp/app");
        int trained = dockerfile.indexOf("RUN [\"/opt/dostorage/aot-cache.sh\"");
        assertTrue(stored > 0 && trained > stored, "Dockerfile.jvm runs StoreResources on the aot-jar, then trains the cache");
        assertTrue(dockerfile.contains("COPY --from=jdk /tmp/app/ /opt/dostorage/"), "the image gets the jars StoreResources wrote");
    }

    /**
     * Without the template the entry point names, every first start of a node would run Flyway from
     * outside the cache; made after the training, the cache would hold Flyway. And one made on the
     * build machine (bench/run.sh) must not slip in through the aot-jar's folder.
     */
    @Test
    void theImageMakesTheStateTemplateTheEntryPointNamesBeforeItTrainsTheCache() throws IOException {
        List<String> flags = strings(new ObjectMapper().readTree(Path.of("config.json").toFile()).get("entrypoint"));
        assertTrue(flags.contains("-Ddostorage.state-template=/opt/dostorage/state-template.db"), flags.toString());
        String dockerfile = Files.readString(Path.of("Dockerfile.jvm"));
        int made = dockerfile.indexOf("\"io.dostorage.state.StateTemplate\", \"/opt/dostorage/state-template.db\"]");
        int trained = dockerfile.indexOf("RUN [\"/opt/dostorage/aot-cache.sh\"");
        assertTrue(made > 0 && trained > made, "Dockerfile.jvm makes /opt/dostorage/state-template.db, then trains the cache");
        assertTrue(Files.readAllLines(Path.of(".dockerignore")).contains("target/quarkus-aot/state-template.db"),
                ".dockerignore keeps a template made here out of the image");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Map<String, String> productionDefaults() throws IOException {
        Map<String, String> defaults = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("src/main/resources/application.properties"))) {
            Matcher m = SETTING.matcher(line.strip());
            if (m.matches() && !NOT_FOR_USERS.contains(m.group(1))) {
                defaults.put(m.group(1), m.group(2));
            }
        }
        defaults.remove("STATE_DIR");
        assertTrue(defaults.size() > 20, "read the settings: " + defaults);
        return new LinkedHashMap<>(defaults);
    }
}
