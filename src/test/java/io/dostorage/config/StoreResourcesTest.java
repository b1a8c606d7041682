package io.dostorage.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image's step that stores the jars' resources uncompressed ({@code src/main/docker/StoreResources.java},
 * run by a JDK's source launcher in Dockerfile.jvm and bench/run.sh): what the plugin reads at every
 * start is stored, classes stay deflated, nothing else about the jar changes.
 */
class StoreResourcesTest {

    private static final Map<String, String> ENTRIES = new LinkedHashMap<>();

    static {
        ENTRIES.put("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nImplementation-Title: probe\r\n\r\n");
        ENTRIES.put("META-INF/services/java.sql.Driver", "org.example.Driver\n".repeat(20));
        ENTRIES.put("org/example/", null);
        ENTRIES.put("org/example/Driver.class", "not really a class, but named as one ".repeat(50));
        ENTRIES.put("org/example/messages.properties", "greeting=hello\n".repeat(30));
    }

    @TempDir
    Path dir;

    @Test
    void resourcesAreStoredClassesStayDeflatedAndEveryEntryKeepsItsBytesAndPlace() throws Exception {
        Path jar = Files.createDirectories(dir.resolve("lib/main")).resolve("probe.jar");
        write(jar);

        String printed = run(dir);

        assertTrue(printed.contains("1 of 1 jars"), printed);
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            List<String> names = Collections.list(zip.entries()).stream().map(ZipEntry::getName).toList();
            assertEquals(List.copyOf(ENTRIES.keySet()), names, "the same entries in the same order");
            for (Map.Entry<String, String> e : ENTRIES.entrySet()) {
                ZipEntry entry = zip.getEntry(e.getKey());
                if (e.getValue() == null) {
                    continue;
                }
                int expected = e.getKey().endsWith(".class") ? ZipEntry.DEFLATED : ZipEntry.STORED;
                assertEquals(expected, entry.getMethod(), e.getKey() + "'s method");
                assertArrayEquals(e.getValue().getBytes(StandardCharsets.UTF_8), zip.getInputStream(entry).readAllBytes(), e.getKey());
            }
        }
        try (JarFile reopened = new JarFile(jar.toFile())) {
            assertEquals("probe", reopened.getManifest().getMainAttributes().getValue("Implementation-Title"));
        }
    }

    @Test
    void aJarAlreadyStoredIsLeftAsItIs() throws Exception {
        Path jar = dir.resolve("probe.jar");
        write(jar);
        run(dir);
        byte[] once = Files.readAllBytes(jar);

        String printed = run(dir);

        assertTrue(printed.contains("0 of 1 jars"), printed);
        assertArrayEquals(once, Files.readAllBytes(jar));
    }

    /** A jar as Maven Central's are: every entry deflated. */
    private static void write(Path jar) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); ZipOutputStream out = new ZipOutputStream(file)) {
            for (Map.Entry<String, String> e : ENTRIES.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                if (e.getValue() != null) {
                    out.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                }
                out.closeEntry();
            }
        }
    }

    /** The script as the image runs it, by this JVM's source launcher; what it printed. */
    private static String run(Path folder) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "src/main/docker/StoreResources.java", folder.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "StoreResources ended");
        assertEquals(0, p.exitValue(), output);
        return output;
    }
}
