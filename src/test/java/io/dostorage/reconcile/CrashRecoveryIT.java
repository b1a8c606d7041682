package io.dostorage.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import io.dostorage.emulator.DoEmulator;
import io.dostorage.emulator.EmulatedVolume;
import io.dostorage.support.DockerClient;
import io.dostorage.support.LoopDeviceCloud;
import io.dostorage.support.PluginProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} at each journalled step of Mount, Unmount, Create and Remove, on the packaged
 * plugin with real block devices: the test-only {@code CRASH_AT} setting halts the process right
 * after the named step, as {@code kill -9} would; the plugin is started again without it, and the
 * mount table, DigitalOcean's attachments (on an emulator in this JVM) and the references must
 * converge on what dockerd believes. Data written before the crash must still be there afterwards
 * (nothing reformatted). Needs root and loop devices; otherwise SKIPPED loudly.
 */
class CrashRecoveryIT {

    private static final String REGION = "nyc1";
    private static final long DROPLET = 1001;
    private static final Duration CONVERGE = Duration.ofSeconds(20);

    @TempDir
    Path folder;

    private LoopDeviceCloud cloud;
    private DoEmulator emulator;
    private Map<String, String> env;

    @BeforeEach
    void setUp(TestInfo test) {
        cloud = LoopDeviceCloud.start(getClass().getSimpleName() + "." + test.getDisplayName(), folder,
                Duration.ofMillis(50), "losetup", "blkid", "mkfs.ext4", "e2fsck", "mount", "umount");
        emulator = cloud.emulator();
        emulator.addDroplet(DROPLET, REGION, folder.resolve("devices"));
        env = new HashMap<>(PluginProcess.environment(folder));
        env.put("DO_EMULATOR", "false");
        env.put("DO_API_URL", emulator.apiUrl().toString());
        env.put("DO_METADATA_URL", emulator.metadataUrl(DROPLET).toString());
        env.put("ACCESS_TOKEN", "dop_v1_crash_test_token");
        env.put("MOUNTER", "block");
        env.put("DEVICE_DIR", folder.resolve("devices").toString());
        env.put("ACTION_POLL_INITIAL", "20ms");
        env.put("ACTION_POLL_MAX", "50ms");
    }

    @AfterEach
    void tearDown() {
        if (cloud != null) {
            cloud.close();
        }
    }

    /** A Mount that died before answering was never acknowledged: dockerd will not Unmount it, so nothing may stay. */
    @ParameterizedTest(name = "kill -9 at {0}")
    @ValueSource(strings = {"mount-begun", "mount-referenced", "mount-attached", "mount-mounted"})
    void aMountKilledAtAnyStepLeavesNoReferenceNoMountAndNoAttachment(String step) throws Exception {
        Path mountpoint = writeAndRelease("pgdata", "kept across the crash");

        try (PluginProcess crashing = start(Optional.of(step))) {
            crash(crashing, "VolumeDriver.Mount", "{\"Name\":\"pgdata\",\"ID\":\"never-answered\"}\n");
        }

        restartAndAssertReleasedWithDataKept(mountpoint);
    }

    /** An Unmount that died is finished at the next start: the reference goes, the volume is unmounted and detached. */
    @ParameterizedTest(name = "kill -9 at {0}")
    @ValueSource(strings = {"unmount-begun", "unmount-unreferenced", "release-begun", "release-unmounted", "release-detached"})
    void anUnmountKilledAtAnyStepEndsUnmountedAndDetached(String step) throws Exception {
        Path mountpoint;
        try (PluginProcess crashing = start(Optional.of(step)); DockerClient docker = crashing.connect()) {
            create(docker, "pgdata");
            mountpoint = Path.of(mount(docker, "pgdata", "c1"));
            Files.writeString(mountpoint.resolve("data.txt"), "kept across the crash");
            crash(crashing, "VolumeDriver.Unmount", "{\"Name\":\"pgdata\",\"ID\":\"c1\"}\n");
        }

        restartAndAssertReleasedWithDataKept(mountpoint);
    }

    /** A second Mount with an ID dockerd already holds dies: the acknowledged reference and its mount stay. */
    @Test
    void aRepeatedMountKilledMidwayKeepsTheReferenceDockerdWasGiven() throws Exception {
        Path mountpoint;
        try (PluginProcess plugin = start(Optional.empty()); DockerClient docker = plugin.connect()) {
            create(docker, "pgdata");
            mountpoint = Path.of(mount(docker, "pgdata", "running"));
            Files.writeString(mountpoint.resolve("data.txt"), "in use");
            plugin.kill9();
        }
        try (PluginProcess crashing = start(Optional.of("mount-referenced"))) {
            crash(crashing, "VolumeDriver.Mount", "{\"Name\":\"pgdata\",\"ID\":\"running\"}\n");
        }

        try (PluginProcess restarted = start(Optional.empty()); DockerClient docker = restarted.connect()) {
            awaitConverged(docker, "pgdata", 1, true);
            assertEquals(1, mountsAt(mountpoint));
            assertEquals(List.of(DROPLET), attachments("pgdata"));
            assertEquals("in use", Files.readString(mountpoint.resolve("data.txt")));
            unmount(docker, "pgdata", "running");
            awaitConverged(docker, "pgdata", 0, false);
        }
    }

    /** A Create that died after DigitalOcean made the volume: known after the restart, not left half-created. */
    @Test
    void aCreateKilledAfterDigitalOceanMadeTheVolumeIsRecorded() throws Exception {
        try (PluginProcess crashing = start(Optional.of("create-created"))) {
            crash(crashing, "VolumeDriver.Create", "{\"Name\":\"pgdata\",\"Opts\":{\"size\":\"1\"}}\n");
        }
        assertTrue(emulator.volume("pgdata", REGION).isPresent(), "DigitalOcean made it before the crash");

        try (PluginProcess restarted = start(Optional.empty()); DockerClient docker = restarted.connect()) {
            JsonNode list = docker.post("VolumeDriver.List", "{}\n").json().get("Volumes");
            assertEquals(1, list.size(), list.toString());
            assertEquals(true, docker.post("VolumeDriver.Get", "{\"Name\":\"pgdata\"}\n").json()
                    .at("/Volume/Status/created_by_plugin").asBoolean(), "known as created here, so REMOVE may delete it");
            assertEquals("", docker.post("VolumeDriver.Remove", "{\"Name\":\"pgdata\"}\n").err());
            assertTrue(emulator.volume("pgdata", REGION).isEmpty(), "delete-created removed it in DigitalOcean");
        }
    }

    /**
     * A Remove that died after passing its checks runs to its end at the next start (in the part of
     * recovery that runs once the socket answers, since it may talk to DigitalOcean).
     */
    @ParameterizedTest(name = "kill -9 at {0}")
    @ValueSource(strings = {"remove-begun", "remove-deleted"})
    void aRemoveKilledAfterItsChecksEndsRemoved(String step) throws Exception {
        writeAndRelease("pgdata", "doomed");
        try (PluginProcess crashing = start(Optional.of(step))) {
            crash(crashing, "VolumeDriver.Remove", "{\"Name\":\"pgdata\"}\n");
        }
        try (PluginProcess restarted = start(Optional.empty()); DockerClient docker = restarted.connect()) {
            long deadline = System.nanoTime() + CONVERGE.toNanos();
            while (docker.post("VolumeDriver.List", "{}\n").json().get("Volumes").size() != 0) {
                assertTrue(System.nanoTime() < deadline, "still listed after " + CONVERGE + ":\n" + restarted.log());
                Thread.sleep(50);
            }
            assertTrue(emulator.volume("pgdata", REGION).isEmpty());
            assertTrue(docker.post("VolumeDriver.Get", "{\"Name\":\"pgdata\"}\n").err().contains("not found"));
        }
    }

    // ---- helpers ----

    private PluginProcess start(Optional<String> crashAt) {
        Map<String, String> settings = new HashMap<>(env);
        crashAt.ifPresent(step -> settings.put("CRASH_AT", step));
        return PluginProcess.start(folder, settings);
    }

    /** Creates the volume, mounts it, writes a file, unmounts it; returns its mountpoint. */
    /**
     * Restarts the plugin without a crash step and asserts that pgdata converged: no reference, not
     * mounted at {@code mountpoint}, attached nowhere; and that a new Mount finds its file (not reformatted).
     */
    private void restartAndAssertReleasedWithDataKept(Path mountpoint) throws Exception {
        try (PluginProcess restarted = start(Optional.empty()); DockerClient docker = restarted.connect()) {
            awaitConverged(docker, "pgdata", 0, false);
            assertEquals(0, mountsAt(mountpoint));
            assertEquals(List.of(), attachments("pgdata"));

            String again = mount(docker, "pgdata", "next-container");
            assertEquals("kept across the crash", Files.readString(Path.of(again, "data.txt")), "not reformatted");
            unmount(docker, "pgdata", "next-container");
        }
    }

    private Path writeAndRelease(String name, String content) throws Exception {
        try (PluginProcess plugin = start(Optional.empty()); DockerClient docker = plugin.connect()) {
            create(docker, name);
            Path mountpoint = Path.of(mount(docker, name, "writer"));
            Files.writeString(mountpoint.resolve("data.txt"), content);
            unmount(docker, name, "writer");
            awaitConverged(docker, name, 0, false);
            return mountpoint;
        }
    }

    /** Sends the request that reaches the crash step; the process must die without answering. */
    private static void crash(PluginProcess plugin, String endpoint, String body) throws Exception {
        try (DockerClient docker = plugin.connect()) {
            DockerClient.Reply reply = docker.post(endpoint, body);
            throw new AssertionError("the plugin answered instead of crashing: " + reply + "\n" + plugin.log());
        } catch (UncheckedIOException | IOException expected) {
            // the connection died with the process
        }
        int exit = plugin.awaitExit(Duration.ofSeconds(30));
        assertNotEquals(0, exit, plugin.log());
        assertTrue(plugin.log().contains("CRASH_AT="), plugin.log());
    }

    private static void create(DockerClient docker, String name) {
        assertEquals("", docker.post("VolumeDriver.Create", "{\"Name\":\"" + name + "\",\"Opts\":{\"size\":\"1\"}}\n").err());
    }

    private static String mount(DockerClient docker, String name, String id) {
        DockerClient.Reply reply = docker.post("VolumeDriver.Mount", "{\"Name\":\"" + name + "\",\"ID\":\"" + id + "\"}\n");
        assertEquals("", reply.err());
        return reply.json().get("Mountpoint").asText();
    }

    private static void unmount(DockerClient docker, String name, String id) {
        assertEquals("", docker.post("VolumeDriver.Unmount", "{\"Name\":\"" + name + "\",\"ID\":\"" + id + "\"}\n").err());
    }

    /** Waits until Get shows {@code references} and the mount state, and DO's attachment agrees with it. */
    private void awaitConverged(DockerClient docker, String name, int references, boolean mounted) throws Exception {
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            JsonNode volume = docker.post("VolumeDriver.Get", "{\"Name\":\"" + name + "\"}\n").json().get("Volume");
            Path root = folder.resolve("mnt").resolve(name);
            List<Long> attached = attachments(name);
            boolean isMounted = mountsAt(root) > 0;
            last = "references " + volume.at("/Status/references") + ", mounted " + isMounted + ", attached to " + attached;
            if (volume.at("/Status/references").asInt() == references && isMounted == mounted
                    && attached.equals(mounted ? List.of(DROPLET) : List.of())) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("volume " + name + " did not converge within " + CONVERGE + ": " + last);
    }

    private List<Long> attachments(String name) {
        return emulator.volume(name, REGION).map(EmulatedVolume::dropletIds).orElse(List.of());
    }

    private static long mountsAt(Path point) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" "))
                .filter(f -> f[4].equals(point.toString())).count();
    }
}
