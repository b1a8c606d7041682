package io.dostorage.volume;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.dostorage.deadline.Deadline;
import io.dostorage.support.BootIdFile;
import io.dostorage.support.FakeCloud;
import io.dostorage.support.FakeVolumeHost;
import io.dostorage.volume.TestNode.MovableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules under what a real cluster does to a plugin: dockerd hanging up on a Mount (its 30 s cap
 * after a plain {@code docker plugin enable}) and sending it again, reboots that leave references
 * no container holds, the unmount grace between Unmounts, DigitalOcean being down. Two droplets of
 * one in-memory DigitalOcean (the fake of the rules' port), each node with its own state file, boot
 * id and fake host (see {@link TestNode}).
 */
class HangUpsAndRebootsTest {

    private static final String REGION = "nyc1";
    private static final long NODE_A = 1001;
    private static final long NODE_B = 2002;

    @TempDir
    Path folder;

    private FakeCloud cloud;
    private final ScheduledExecutorService callers = Executors.newScheduledThreadPool(2);

    @BeforeEach
    void setUp() {
        cloud = new FakeCloud().addDroplet(NODE_A, REGION).addDroplet(NODE_B, REGION);
    }

    @AfterEach
    void tearDown() {
        callers.shutdownNow();
    }

    // ---- the caller hangs up ----

    @Test
    void aMountWhoseCallerHangsUpWhileWaitingForTheHolderLeavesTheVolumeThereAndHoldsNoReference() throws Exception {
        TestNode<FakeVolumeHost> a = node(NODE_A, Map.of());
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "running-on-a");
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of("dostorage.volumes.takeover-wait", "1500ms"));

        Deadline call = Deadline.after(Duration.ofSeconds(115));
        callers.schedule(() -> call.cancel("the caller hung up"), 300, TimeUnit.MILLISECONDS);
        long start = System.nanoTime();
        VolumeException e = assertThrows(VolumeException.class, () -> b.volumes().mount("pgdata", "gave-up", call));

        assertTrue(e.getMessage().startsWith("mounting volume pgdata: stopped before waiting for droplet 1001 to release"
                + " volume pgdata: the caller hung up"), e.getMessage());
        assertTrue(millisSince(start) < 1000, "stopped at once, not at the end of the wait: " + millisSince(start) + " ms");
        assertEquals(0, b.volumes().get("pgdata").status().get("references"));
        Thread.sleep(2000); // past TAKEOVER_WAIT: nothing goes on in the background
        assertEquals(List.of(NODE_A), attachments("pgdata"), "never detached from the holder for a caller who left");
        assertTrue(a.host().isMounted(a.mountpoint("pgdata")));
    }

    @Test
    void aTakeoverCompletesOnARepeatWhenEveryMountIsCutShort() throws Exception {
        TestNode<FakeVolumeHost> a = node(NODE_A, Map.of());
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "running-on-a");
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of("dostorage.volumes.takeover-wait", "1500ms"));

        // As dockerd under a cap: each Mount is cut after 600 ms and sent again, with a new ID each time.
        long start = System.nanoTime();
        String answered = null;
        for (int attempt = 1; attempt <= 5 && answered == null; attempt++) {
            Deadline call = Deadline.after(Duration.ofSeconds(115));
            callers.schedule(() -> call.cancel("the caller hung up"), 600, TimeUnit.MILLISECONDS);
            String id = "attempt-" + attempt;
            try {
                b.volumes().mount("pgdata", id, call);
                answered = id;
            } catch (VolumeException e) {
                assertTrue(e.getMessage().contains("the caller hung up"), e.getMessage());
            }
        }

        assertEquals("attempt-3", answered, "the wait counted across the cut Mounts: 1.5 s is spent in the third");
        assertTrue(millisSince(start) < 1500 + 1000, "within TAKEOVER_WAIT and the actions: " + millisSince(start) + " ms");
        assertEquals(List.of(NODE_B), attachments("pgdata"));
        assertEquals(Map.of("attempt-3", 1), b.volumes().get("pgdata").status().get("references_by_id"),
                "exactly one reference, the answered one's");
    }

    @Test
    void aRepeatedMountFindsTheTakeoverWaitSpentAlready() {
        TestNode<FakeVolumeHost> a = node(NODE_A, Map.of());
        a.volumes().create("pgdata", Map.of("takeover", "never"));
        a.volumes().mount("pgdata", "running-on-a");
        // A wait long enough that "at once" stands apart from it even on a loaded machine.
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of("dostorage.volumes.takeover-wait", "2s"));

        VolumeInUseException first = assertThrows(VolumeInUseException.class, () -> b.volumes().mount("pgdata", "x"));
        long start = System.nanoTime();
        VolumeInUseException again = assertThrows(VolumeInUseException.class, () -> b.volumes().mount("pgdata", "y"));

        assertTrue(first.getMessage().contains("did not release it within"), first.getMessage());
        assertTrue(millisSince(start) < 1000, "the wait was spent already: the repeat fails at once, not after 2 s");
        assertEquals(List.of(NODE_A), attachments("pgdata"));
    }

    // ---- the grace ----

    @Test
    void theGraceCountsFromTheLastUnmount() throws Exception {
        TestNode<FakeVolumeHost> a = node(NODE_A, Map.of("dostorage.volumes.unmount-grace", "800ms"));
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "c1");

        long start = System.nanoTime();
        a.volumes().unmount("pgdata", "c1");
        Thread.sleep(400);
        a.volumes().mount("pgdata", "c2");
        a.volumes().unmount("pgdata", "c2");
        long lastUnmount = System.nanoTime();

        sleepUntil(start, 1000); // the first Unmount's grace is over
        assertTrue(a.host().isMounted(a.mountpoint("pgdata")), "still mounted: the grace counts from the last Unmount");
        assertEquals(List.of(NODE_A), attachments("pgdata"));
        awaitAttachments("pgdata", List.of(), Duration.ofSeconds(3));
        assertTrue(millisSince(lastUnmount) >= 800, "released a grace after the last Unmount, not before");
        assertFalse(a.host().isMounted(a.mountpoint("pgdata")));
        while (!a.store().operations().isEmpty() || a.store().findVolume("pgdata").orElseThrow().attached().isPresent()) {
            Thread.sleep(20); // the release's last writes, before the test's folder goes
        }
    }

    @Test
    void removeWithinTheGraceRunsToItsEndAndARestartBringsNothingBack() throws Exception {
        TestNode<FakeVolumeHost> a = node(NODE_A, Map.of("dostorage.volumes.unmount-grace", "5s"));
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "c1");
        a.volumes().unmount("pgdata", "c1");
        assertEquals(1, a.volumes().list().size(), "listed, and DO's list kept in the state");

        a.volumes().remove("pgdata");
        // The process dies right after: the same state folder, a new service, DigitalOcean down.
        cloud.down(true);
        TestNode<FakeVolumeHost> restarted = a.restart(new FakeVolumeHost());
        restarted.volumes().recover();

        assertTrue(cloud.volume("pgdata", REGION).isEmpty(), "deleted in DigitalOcean (delete-created)");
        assertThrows(VolumeNotFoundException.class, () -> restarted.volumes().get("pgdata"));
        assertEquals(List.of(), restarted.volumes().list());
        assertFalse(a.host().isMounted(a.mountpoint("pgdata")));
    }

    // ---- reboots ----

    @Test
    void afterARebootTheVolumeAnotherDropletTookStaysThereAndGetNamesTheHolder() throws Exception {
        TestNode<FakeVolumeHost> a = node(NODE_A, Map.of());
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "before-reboot");
        // A reboots (its mounts are gone, its state stays); meanwhile B takes the volume over.
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of("dostorage.volumes.takeover-wait", "300ms"));
        b.volumes().mount("pgdata", "on-b");
        cloud.resetCalls();

        TestNode<FakeVolumeHost> rebooted = reboot(a);
        assertEquals(Map.of(), rebooted.volumes().recover());
        rebooted.clock().advance(Duration.ofMinutes(10));
        rebooted.volumes().sweep();

        assertEquals(List.of(NODE_B), attachments("pgdata"));
        assertTrue(b.host().isMounted(b.mountpoint("pgdata")));
        assertEquals(null, cloud.calls().get("POST /v2/volumes/{volume_id}/actions"), "A sent no action at all");
        Volume seen = rebooted.volumes().get("pgdata");
        assertEquals(0, seen.status().get("references"), "the reference of the earlier boot is void");
        assertEquals(String.valueOf(NODE_B), seen.status().get("attached_droplet"), "names the new holder");
        assertNull(seen.mountpoint());
    }

    @Test
    void afterARebootAVolumeNobodyWantsIsReleasedAfterTheGraceAndCanBeMountedAgain() throws Exception {
        TestNode<FakeVolumeHost> a = node(NODE_A, Map.of("dostorage.volumes.unmount-grace", "300ms"));
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "before-reboot");

        TestNode<FakeVolumeHost> rebooted = reboot(a);
        rebooted.volumes().recover();
        assertEquals(0, rebooted.volumes().get("pgdata").status().get("references"));
        assertEquals(List.of(NODE_A), attachments("pgdata"), "kept for the grace: a restarted container may want it");
        awaitAttachments("pgdata", List.of(), Duration.ofSeconds(3));

        Path mountpoint = rebooted.volumes().mount("pgdata", "after-reboot");
        assertTrue(rebooted.host().isMounted(rebooted.mountpoint("pgdata")), mountpoint.toString());
        assertEquals(List.of(NODE_A), attachments("pgdata"));
    }

    @Test
    void aPluginRestartWithoutARebootKeepsTheReferencesAndMountsAgainWhatIsStillAttachedHere() {
        TestNode<FakeVolumeHost> a = node(NODE_A, Map.of());
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "running");

        TestNode<FakeVolumeHost> restarted = a.restart(new FakeVolumeHost());
        assertEquals(Map.of(), restarted.volumes().recover());

        assertEquals(Map.of("running", 1), restarted.volumes().get("pgdata").status().get("references_by_id"));
        assertTrue(restarted.host().isMounted(restarted.mountpoint("pgdata")));
    }

    @Test
    void recoveryLeavesAVolumeTakenOverDuringAPluginRestartWithTheNewHolder() {
        TestNode<FakeVolumeHost> a = node(NODE_A, Map.of());
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "running");
        // While A's plugin is down (its container still runs), B takes the volume over by force.
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of("dostorage.volumes.takeover", "force"));
        b.volumes().mount("pgdata", "on-b");

        TestNode<FakeVolumeHost> restarted = a.restart(new FakeVolumeHost());
        assertEquals(Map.of(), restarted.volumes().recover());

        assertEquals(List.of(NODE_B), attachments("pgdata"), "recovery never takes a volume over");
        assertFalse(restarted.host().isMounted(restarted.mountpoint("pgdata")));
        assertEquals(String.valueOf(NODE_B), restarted.volumes().get("pgdata").status().get("attached_droplet"));
        assertEquals(1, restarted.volumes().get("pgdata").status().get("references"), "dockerd's Unmount drops it");
    }

    // ---- DigitalOcean down ----

    @Test
    void withDigitalOceanDownARestartedNodeAnswersGetForItsVolumesAndListsTheOnesSeenInDigitalOceansList() {
        TestNode<FakeVolumeHost> a = node(NODE_A, Map.of());
        a.volumes().create("known-here", null);
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of());
        b.volumes().create("made-on-b", Map.of("size", "3"));
        assertTrue(a.volumes().list().stream().anyMatch(v -> v.name().equals("made-on-b")), "seen in DO's list");

        cloud.down(true);
        TestNode<FakeVolumeHost> restarted = a.restart(new FakeVolumeHost());
        restarted.volumes().recover();

        assertEquals("10", restarted.volumes().get("known-here").status().get("size"));
        assertEquals(List.of("known-here", "made-on-b"), restarted.volumes().list().stream().map(Volume::name).sorted()
                .toList(), "listed from the list DigitalOcean gave before");
        assertThrows(VolumeNotFoundException.class, () -> restarted.volumes().get("made-on-b"), "never created here");
        VolumeException never = assertThrows(VolumeException.class, () -> restarted.volumes().get("never-seen"));
        assertTrue(never instanceof VolumeNotFoundException, never.getMessage());
    }

    /**
     * The list kept in the state file by the version before this one, which wrote it with Jackson
     * (Quarkus' ObjectMapper: record components by name, times in ISO 8601): after the upgrade, with
     * DigitalOcean down, it is answered from as before, every field read back.
     */
    @Test
    void aListKeptByTheVersionBeforeIsStillAnsweredFromWithDigitalOceanDown() throws Exception {
        TestNode<FakeVolumeHost> a = node(NODE_A, Map.of());
        DoVolume seen = new DoVolume("vol-1", "made-on-b", REGION, 3, List.of(NODE_B), "made on b",
                List.of("dostorage", "team-a"), "xfs", Instant.parse("2026-11-30T08:15:00Z"));
        String written = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).writeValueAsString(List.of(seen));
        a.store().keepAnswer("volumes", written, Instant.parse("2026-11-30T09:00:00Z"));

        cloud.down(true);
        TestNode<FakeVolumeHost> upgraded = a.restart(new FakeVolumeHost());

        List<Volume> listed = upgraded.volumes().list();
        assertEquals(List.of("made-on-b"), listed.stream().map(Volume::name).toList());
        Map<String, Object> status = listed.get(0).status();
        assertEquals("vol-1", status.get("id"));
        assertEquals(REGION, status.get("region"));
        assertEquals("3", status.get("size"));
        assertEquals("xfs", status.get("fstype"));
        assertEquals(String.valueOf(NODE_B), status.get("attached_droplet"));
        assertEquals(Instant.parse("2026-11-30T08:15:00Z"), listed.get(0).createdAt());
        VolumeNotFoundException get = assertThrows(VolumeNotFoundException.class, () -> upgraded.volumes().get("made-on-b"));
        assertTrue(get.getMessage().contains("DigitalOcean has it"), get.getMessage());
    }

    // ---- helpers ----

    private TestNode<FakeVolumeHost> node(long droplet, Map<String, String> settings) {
        Path state = folder.resolve("node-" + droplet);
        Map<String, String> all = new HashMap<>(settings);
        all.put("dostorage.boot-id-file", BootIdFile.in(state).toString());
        return TestNode.start(cloud.at(droplet), all, state, new FakeVolumeHost(), new MovableClock());
    }

    /** The node after a reboot: a new boot id, an empty mount table, the same state file. */
    private TestNode<FakeVolumeHost> reboot(TestNode<FakeVolumeHost> node) {
        BootIdFile.reboot(node.stateFolder());
        return node.restart(new FakeVolumeHost());
    }

    private List<Long> attachments(String name) {
        return cloud.volume(name, REGION).orElseThrow().dropletIds();
    }

    private void awaitAttachments(String name, List<Long> expected, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!attachments(name).equals(expected)) {
            assertTrue(System.nanoTime() < end, name + " attached to " + attachments(name) + ", not " + expected
                    + ", after " + timeout);
            Thread.sleep(20);
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static void sleepUntil(long start, long millis) throws InterruptedException {
        long left = millis - millisSince(start);
        if (left > 0) {
            Thread.sleep(left);
        }
    }
}
