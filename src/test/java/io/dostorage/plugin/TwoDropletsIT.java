package io.dostorage.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import io.dostorage.emulator.DoEmulator;
import io.dostorage.emulator.EmulatedVolume;
import io.dostorage.support.BootIdFile;
import io.dostorage.support.DockerClient;
import io.dostorage.support.LoopDeviceCloud;
import io.dostorage.support.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two droplets, each a packaged plugin process with its own state, boot id and device folder, on
 * one DigitalOcean emulator whose volumes are loop devices: real mkfs, mount and umount. What a
 * cluster does to them: a droplet reboots while the other takes its volume over, dockerd hangs up
 * on a Mount that waits for the other droplet (and, under its 30 s cap, sends it again), a volume
 * is removed inside its unmount grace and the plugin dies right after, DigitalOcean is down when a
 * plugin starts. Needs root and loop devices; otherwise SKIPPED loudly.
 */
class TwoDropletsIT {

    private static final String REGION = "nyc1";
    private static final long A = 1001;
    private static final long B = 2002;
    /** How long a node is watched for doing what it must not (the measure: dockerd's 30 s cap). */
    private static final Duration WATCH = Duration.ofSeconds(30);

    @TempDir
    Path folder;

    private LoopDeviceCloud cloud;
    private DoEmulator emulator;
    private final List<PluginProcess> plugins = new ArrayList<>();

    @BeforeEach
    void setUp(TestInfo test) {
        cloud = LoopDeviceCloud.start(getClass().getSimpleName() + "." + test.getDisplayName(), folder,
                Duration.ofMillis(200), "losetup", "blkid", "mkfs.ext4", "e2fsck", "mount", "umount");
        emulator = cloud.emulator();
        emulator.addDroplet(A, REGION, folder.resolve("devices-" + A));
        emulator.addDroplet(B, REGION, folder.resolve("devices-" + B));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (PluginProcess plugin : plugins) {
            plugin.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void aRebootedDropletLeavesTheVolumeWithTheDropletThatTookItOver() throws Exception {
        PluginProcess a = start(A, Map.of());
        Path onA = mount(a, "pgdata", "before-reboot", true);
        Files.writeString(onA.resolve("from-a.txt"), "written on A");
        reboot(a);

        PluginProcess b = start(B, Map.of("TAKEOVER_WAIT", "2s"));
        Path onB = mount(b, "pgdata", "on-b", false);
        assertEquals("written on A", Files.readString(onB.resolve("from-a.txt")));
        Files.writeString(onB.resolve("from-b.txt"), "written on B");
        assertEquals(List.of(B), attachments("pgdata"));

        PluginProcess again = start(A, Map.of("TAKEOVER_WAIT", "2s", "UNMOUNT_GRACE", "1s", "SWEEP_INTERVAL", "1s"));
        watch(() -> {
            assertEquals(List.of(B), attachments("pgdata"), "attached to B only");
            assertEquals("written on B", Files.readString(onB.resolve("from-b.txt")), "B's mount intact");
            assertEquals(1, mountsAt(onB));
        });
        JsonNode seen = get(again, "pgdata");
        assertEquals(0, seen.at("/Status/references").asInt(), seen.toString());
        assertEquals(String.valueOf(B), seen.at("/Status/attached_droplet").asText(), "names the new holder");
        assertTrue(again.log().contains("lost volume pgdata to droplet " + B), again.log());
    }

    @Test
    void aRebootedDropletReleasesAVolumeNobodyWantsAfterTheGraceAndMountsItAgainLater() throws Exception {
        PluginProcess a = start(A, Map.of());
        Path onA = mount(a, "pgdata", "before-reboot", true);
        Files.writeString(onA.resolve("data.txt"), "kept across the reboot");
        reboot(a);

        PluginProcess again = start(A, Map.of("UNMOUNT_GRACE", "2s"));
        assertEquals(0, get(again, "pgdata").at("/Status/references").asInt(), "the earlier boot's reference is void");
        awaitAttachments("pgdata", List.of(), Duration.ofSeconds(15));

        Path remounted = mount(again, "pgdata", "after-reboot", false);
        assertEquals("kept across the reboot", Files.readString(remounted.resolve("data.txt")));
        assertEquals(List.of(A), attachments("pgdata"));
    }

    @Test
    void aMountWhoseCallerHangsUpWhileItWaitsForTheHolderChangesNothing() throws Exception {
        PluginProcess a = start(A, Map.of());
        Path onA = mount(a, "pgdata", "running-on-a", true);
        PluginProcess b = start(B, Map.of("TAKEOVER_WAIT", "20s"));

        try (DockerClient docker = b.connect()) {
            Optional<DockerClient.Reply> reply = docker.post("VolumeDriver.Mount",
                    "{\"Name\":\"pgdata\",\"ID\":\"gave-up\"}", Duration.ofSeconds(3));
            assertTrue(reply.isEmpty(), "answered before the hang-up: " + reply);
        }
        watch(() -> {
            assertEquals(List.of(A), attachments("pgdata"), "still attached to A");
            assertEquals(1, mountsAt(onA));
        });
        assertEquals(0, get(b, "pgdata").at("/Status/references").asInt(), "B holds no reference");
        assertTrue(b.log().contains("stopped before waiting for droplet " + A + " to release volume pgdata"), b.log());
        assertFalse(b.log().contains("taking volume pgdata over"), b.log());
    }

    @Test
    void aTakeoverCompletesThroughRepeatedMountsThatAreEachCutAfterSixSeconds() throws Exception {
        PluginProcess a = start(A, Map.of());
        mount(a, "pgdata", "running-on-a", true);
        PluginProcess b = start(B, Map.of("TAKEOVER_WAIT", "15s"));

        long start = System.nanoTime();
        String answered = null;
        for (int attempt = 1; attempt <= 6 && answered == null; attempt++) {
            String id = "attempt-" + attempt;
            try (DockerClient docker = b.connect()) {
                Optional<DockerClient.Reply> reply = docker.post("VolumeDriver.Mount",
                        "{\"Name\":\"pgdata\",\"ID\":\"" + id + "\"}", Duration.ofSeconds(6));
                if (reply.isPresent()) {
                    assertEquals("", reply.get().err());
                    answered = id;
                }
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertNotEquals(null, answered, "no Mount was answered:\n" + b.log());
        assertTrue(took.compareTo(Duration.ofSeconds(15 + 4)) < 0, "within TAKEOVER_WAIT + the actions: " + took);
        assertEquals(List.of(B), attachments("pgdata"));
        JsonNode references = get(b, "pgdata").at("/Status/references_by_id");
        assertEquals("{\"" + answered + "\":1}", references.toString(), "exactly one reference, the answered one's");
    }

    @Test
    void theUnmountGraceCountsFromTheLastUnmount() throws Exception {
        PluginProcess a = start(A, Map.of("UNMOUNT_GRACE", "3s"));
        Path onA = mount(a, "pgdata", "c1", true);
        long firstUnmount;
        try (DockerClient docker = a.connect()) {
            assertEquals("", docker.post("VolumeDriver.Unmount", "{\"Name\":\"pgdata\",\"ID\":\"c1\"}").err());
            firstUnmount = System.nanoTime();
            Thread.sleep(1500);
            assertEquals("", docker.post("VolumeDriver.Mount", "{\"Name\":\"pgdata\",\"ID\":\"c2\"}").err());
            assertEquals("", docker.post("VolumeDriver.Unmount", "{\"Name\":\"pgdata\",\"ID\":\"c2\"}").err());
        }
        long lastUnmount = System.nanoTime();

        Thread.sleep(Math.max(0, 3500 - (System.nanoTime() - firstUnmount) / 1_000_000));
        assertEquals(1, mountsAt(onA), "still mounted a grace after the first Unmount");
        assertEquals(List.of(A), attachments("pgdata"));
        awaitAttachments("pgdata", List.of(), Duration.ofSeconds(15));
        assertTrue(System.nanoTime() - lastUnmount >= Duration.ofSeconds(3).toNanos(), "released a grace after the last one");
        assertEquals(0, mountsAt(onA));
    }

    @Test
    void aRemoveInsideTheGraceRunsToItsEndAndAKillRightAfterResurrectsNothing() throws Exception {
        PluginProcess a = start(A, Map.of("UNMOUNT_GRACE", "5s"));
        Path onA = mount(a, "pgdata", "c1", true);
        try (DockerClient docker = a.connect()) {
            assertEquals("", docker.post("VolumeDriver.Unmount", "{\"Name\":\"pgdata\",\"ID\":\"c1\"}").err());
            assertEquals("", docker.post("VolumeDriver.Remove", "{\"Name\":\"pgdata\"}").err());
        }
        assertTrue(emulator.volume("pgdata", REGION).isEmpty(), "deleted in DigitalOcean (remove policy delete-created)");
        a.kill9();
        plugins.remove(a);

        PluginProcess again = start(A, Map.of("UNMOUNT_GRACE", "5s"));
        try (DockerClient docker = again.connect()) {
            assertEquals(0, docker.post("VolumeDriver.List", "{}").json().get("Volumes").size());
            assertTrue(docker.post("VolumeDriver.Get", "{\"Name\":\"pgdata\"}").err().contains("volume pgdata not found"));
        }
        assertEquals(0, mountsAt(onA));
        assertEquals(List.of(), emulator.volumes());
    }

    @Test
    void withDigitalOceanDownARestartedPluginStartsAnswersGetForWhatItKnowsAndListsWhatItHasSeen() throws Exception {
        PluginProcess b = start(B, Map.of());
        try (DockerClient docker = b.connect()) {
            assertEquals("", docker.post("VolumeDriver.Create", "{\"Name\":\"made-on-b\",\"Opts\":{\"size\":\"2\"}}").err());
        }
        PluginProcess a = start(A, Map.of());
        try (DockerClient docker = a.connect()) {
            assertEquals("", docker.post("VolumeDriver.Create", "{\"Name\":\"known\",\"Opts\":{\"size\":\"1\"}}").err());
            assertEquals(2, docker.post("VolumeDriver.List", "{}").json().get("Volumes").size(), "seen in DO's list");
        }
        a.kill9();
        plugins.remove(a);

        emulator.faults().serverErrors(Integer.MAX_VALUE, 503);
        long start = System.nanoTime();
        PluginProcess again = start(A, Map.of());
        Duration started = Duration.ofNanos(System.nanoTime() - start);
        assertEquals("1", get(again, "known").at("/Status/size").asText());
        try (DockerClient docker = again.connect()) {
            JsonNode listed = docker.post("VolumeDriver.List", "{}").json().get("Volumes");
            assertEquals(2, listed.size(), "known here, and made-on-b from the list DigitalOcean gave before: " + listed);
            // never created on this droplet: not found, so that dockerd would create (adopt) it with its options
            assertTrue(docker.post("VolumeDriver.Get", "{\"Name\":\"made-on-b\"}").err().startsWith(
                    "volume made-on-b is not in use on this droplet (DigitalOcean has it"));
        }
        assertTrue(started.compareTo(Duration.ofSeconds(15)) < 0, "started while DO answers 503: " + started);
        emulator.faults().clear();
    }

    // ---- helpers ----

    private PluginProcess start(long droplet, Map<String, String> settings) {
        Path node = folder.resolve("node-" + droplet);
        Map<String, String> env = new HashMap<>(PluginProcess.environment(node));
        env.put("DO_EMULATOR", "false");
        env.put("DO_API_URL", emulator.apiUrl().toString());
        env.put("DO_METADATA_URL", emulator.metadataUrl(droplet).toString());
        env.put("ACCESS_TOKEN", "dop_v1_two_droplets_test_token");
        env.put("MOUNTER", "block");
        env.put("DEVICE_DIR", folder.resolve("devices-" + droplet).toString());
        env.put("ACTION_POLL_INITIAL", "20ms");
        env.put("ACTION_POLL_MAX", "100ms");
        env.put("BOOT_ID_FILE", BootIdFile.in(node).toString());
        env.putAll(settings);
        try {
            Files.createDirectories(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        PluginProcess plugin = PluginProcess.start(node, env);
        plugins.add(plugin);
        return plugin;
    }

    /**
     * The droplet reboots: the plugin dies with it, the kernel's mounts of the volume are gone, and
     * the next boot has a new id. Its state file stays (it lives on the droplet's disk).
     */
    private void reboot(PluginProcess plugin) throws Exception {
        plugin.kill9();
        plugins.remove(plugin);
        for (String point : mountsUnder(plugin.mountRoot())) {
            Process umount = new ProcessBuilder("umount", point).inheritIO().start();
            assertEquals(0, umount.waitFor());
        }
        BootIdFile.reboot(plugin.folder());
    }

    private static Path mount(PluginProcess plugin, String name, String id, boolean create) throws IOException {
        try (DockerClient docker = plugin.connect()) {
            if (create) {
                assertEquals("", docker.post("VolumeDriver.Create", "{\"Name\":\"" + name + "\",\"Opts\":{\"size\":\"1\"}}").err());
            }
            DockerClient.Reply reply = docker.post("VolumeDriver.Mount", "{\"Name\":\"" + name + "\",\"ID\":\"" + id + "\"}");
            assertEquals("", reply.err(), plugin.log());
            return Path.of(reply.json().get("Mountpoint").asText());
        }
    }

    private static JsonNode get(PluginProcess plugin, String name) throws IOException {
        try (DockerClient docker = plugin.connect()) {
            DockerClient.Reply reply = docker.post("VolumeDriver.Get", "{\"Name\":\"" + name + "\"}");
            assertEquals("", reply.err(), plugin.log());
            return reply.json().get("Volume");
        }
    }

    private List<Long> attachments(String name) {
        return emulator.volume(name, REGION).map(EmulatedVolume::dropletIds).orElse(List.of());
    }

    private void awaitAttachments(String name, List<Long> expected, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!attachments(name).equals(expected)) {
            assertTrue(System.nanoTime() < end, name + " attached to " + attachments(name) + ", not " + expected);
            Thread.sleep(50);
        }
    }

    /** Checks {@code check} every half second for {@link #WATCH}. */
    private static void watch(Check check) throws Exception {
        long end = System.nanoTime() + WATCH.toNanos();
        while (System.nanoTime() < end) {
            check.run();
            Thread.sleep(500);
        }
    }

    private static long mountsAt(Path point) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" "))
                .filter(f -> f[4].equals(point.toString())).count();
    }

    private static List<String> mountsUnder(Path root) throws IOException {
        String prefix = root.toString() + "/";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")[4])
                .filter(p -> p.startsWith(prefix)).toList();
    }

    @FunctionalInterface
    private interface Check {
        void run() throws Exception;
    }
}
