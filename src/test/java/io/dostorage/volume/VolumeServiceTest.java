package io.dostorage.volume;

import io.dostorage.volume.TestNode.MovableClock;

import io.dostorage.host.MountSpec;
import io.dostorage.host.Ownership;
import io.dostorage.support.FakeCloud;
import io.dostorage.support.FakeVolumeHost;
import io.dostorage.support.LogCapture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The volume rules on two droplets ("nodes") that share one DigitalOcean, the in-memory fake of the
 * rules' port, each with its own state file and a fake host (a stateful mount table). DigitalOcean
 * calls are counted as the emulator counts DO's requests: they are a budget shared by every node of
 * a cluster. The adapter behind the port is tested against the emulator (DigitalOceanClientTest,
 * BlockDeviceLifecycleTest and the ITs).
 */
class VolumeServiceTest {

    private static final String REGION = "nyc1";
    private static final long NODE_A = 1001;
    private static final long NODE_B = 2002;
    private static final String ATTACH_CALLS = FakeCloud.ACTIONS;

    @TempDir
    Path folder;

    private FakeCloud cloud;
    private TestNode<FakeVolumeHost> a;

    @BeforeEach
    void setUp() {
        cloud = new FakeCloud().addDroplet(NODE_A, REGION).addDroplet(NODE_B, REGION);
        a = node(NODE_A, Map.of());
    }

    @Test
    void createMakesATaggedDigitalOceanVolumeWithTheDefaults() {
        Volume volume = a.volumes().create("pgdata", null);

        DoVolume made = cloud.volume("pgdata", REGION).orElseThrow();
        assertEquals(10, made.sizeGib());
        assertTrue(made.tags().contains(VolumeService.CREATED_TAG));
        assertEquals(made.id(), volume.status().get("id"));
        assertEquals(REGION, volume.status().get("region"));
        assertEquals("ext4", volume.status().get("fstype"));
        assertEquals(true, volume.status().get("created_by_plugin"));
        assertNull(volume.mountpoint());
    }

    @Test
    void createAdoptsAVolumeTheUserBroughtAndRefusesAnotherSize() {
        Cloud user = cloud.at(NODE_A);
        user.create(new NewVolume("brought", 25, REGION, "mine", null, List.of()));

        VolumeConflictException e = assertThrows(VolumeConflictException.class,
                () -> a.volumes().create("brought", Map.of("size", "30")));
        assertTrue(e.getMessage().contains("already exists with size 25 GiB (asked: 30; to grow it, resize it in "
                + "DigitalOcean: doctl compute volume-action resize "), e.getMessage());
        assertEquals(List.of(), a.store().listVolumes(), "nothing recorded");

        Volume adopted = a.volumes().create("brought", null);
        assertEquals("25", adopted.status().get("size"));
        assertEquals(false, adopted.status().get("created_by_plugin"));
        assertEquals(1, cloud.volumes().size(), "nothing new was created in DigitalOcean");
    }

    @Test
    void createOfAKnownVolumeWithTheSameOptionsMakesNoDigitalOceanCall() {
        a.volumes().create("pgdata", Map.of("size", "20"));
        cloud.resetCalls();

        a.volumes().create("pgdata", Map.of("size", "020"));

        assertEquals(0, cloud.totalCalls());
    }

    @Test
    void mountEndsItsAttachWaitWhenTheDiskAppearsHereWithoutPollingTheAction() {
        // This node's host sees droplet A's disks, as a droplet sees /dev/disk/by-id; its first action
        // poll would be 5 s after the attach request.
        TestNode<FakeVolumeHost> sees = node(NODE_A, Map.of("dostorage.digitalocean.action-poll-initial", "5s",
                "dostorage.digitalocean.action-poll-max", "5s"), "sees", FakeVolumeHost.seeing(cloud, NODE_A), new MovableClock());
        sees.volumes().create("pgdata", null);
        cloud.resetCalls();

        Path mounted = sees.volumes().mount("pgdata", "id-a");

        assertTrue(sees.host().isMounted(mounted));
        assertEquals(List.of(NODE_A), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertEquals(Map.of("GET /v2/volumes/{volume_id}", 1, ATTACH_CALLS, 1), cloud.calls(),
                "the disk appearing ended the wait: no action poll");
    }

    @Test
    void anAttachThatErrorsFailsTheMountEvenWhileWatchingForTheDisk() {
        TestNode<FakeVolumeHost> sees = node(NODE_A, Map.of("dostorage.digitalocean.action-poll-max", "200ms"), "sees",
                FakeVolumeHost.seeing(cloud, NODE_A), new MovableClock());
        sees.volumes().create("pgdata", null);
        cloud.erroredActions(1);

        RuntimeException e = assertThrows(RuntimeException.class, () -> sees.volumes().mount("pgdata", "id-a"));

        assertTrue(e.getMessage().contains("attach_volume of volume pgdata") && e.getMessage().contains("ended with status errored"),
                e.getMessage());
        assertEquals(0, sees.host().mountCalls());
        assertEquals(List.of(), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertTrue(sees.store().findVolume("pgdata").orElseThrow().references().isEmpty(), "no reference for a failed Mount");
    }

    @Test
    void theReleaseAfterTheLastUnmountPollsItsDetachOnlyAtTheLongestInterval() {
        // Actions take 20 ms; polls would come at 10 ms, then 30 ms, ... up to 200 ms apart.
        TestNode<FakeVolumeHost> node = node(NODE_A, Map.of("dostorage.digitalocean.action-poll-initial", "10ms",
                "dostorage.digitalocean.action-poll-max", "200ms"), "patient");
        node.volumes().create("pgdata", null);
        node.volumes().mount("pgdata", "id-a");
        cloud.resetCalls();

        node.volumes().unmount("pgdata", "id-a"); // UNMOUNT_GRACE 0s: released at once

        assertEquals(List.of(), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertEquals(Map.of(ATTACH_CALLS, 1, "GET /v2/actions/{action_id}", 1), cloud.calls(),
                "one detach, polled once: nobody waits for a release");
    }

    @Test
    void mountWithoutALocalSignOfTheDiskWaitsForDigitalOceansActionStatus() {
        // Node a's host does not see droplet A's disks.
        a.volumes().create("pgdata", null);
        cloud.resetCalls();

        a.volumes().mount("pgdata", "id-a");

        assertEquals(List.of(NODE_A), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertTrue(cloud.calls().getOrDefault("GET /v2/actions/{action_id}", 0) >= 1,
                "polled the action until DO said completed: " + cloud.calls());
    }

    @Test
    void mountAttachesHereAndTwoCallersShareOneMountUntilTheLastUnmount() {
        a.volumes().create("pgdata", null);

        Path first = a.volumes().mount("pgdata", "id-a");
        Path second = a.volumes().mount("pgdata", "id-b");

        assertEquals(a.config().mountRoot().toAbsolutePath().resolve("pgdata"), first);
        assertEquals(first, second);
        assertEquals(1, a.host().mountCalls());
        assertEquals(List.of(NODE_A), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertEquals(1, cloud.calls().get(ATTACH_CALLS));

        a.volumes().unmount("pgdata", "id-a");
        assertTrue(a.host().isMounted(first), "still mounted while id-b holds it");
        assertEquals(List.of(NODE_A), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());

        a.volumes().unmount("pgdata", "id-b");
        assertFalse(a.host().isMounted(first));
        assertEquals(List.of(), cloud.volume("pgdata", REGION).orElseThrow().dropletIds(), "released for other droplets");
        assertEquals(Optional.empty(), a.volumes().path("pgdata"));
    }

    @Test
    void getAndPathOfAMountedVolumeMakeNoDigitalOceanCall() {
        a.volumes().create("pgdata", null);
        Path mountpoint = a.volumes().mount("pgdata", "id-a");
        cloud.resetCalls();

        for (int i = 0; i < 10; i++) {
            assertEquals(mountpoint, a.volumes().get("pgdata").mountpoint());
            assertEquals(Optional.of(mountpoint), a.volumes().path("pgdata"));
        }

        assertEquals(0, cloud.totalCalls());
    }

    @Test
    void getOfAVolumeNeverCreatedHereIsNotFoundNamingDigitalOceansOneSoThatDockerdCreatesItWithItsOptions() {
        // dockerd records a volume's options only when it creates it; docker-compose refuses one it knows
        // without them (driver_opts differ) and suggests docker volume rm, which would delete the volume.
        a.volumes().create("pgdata", Map.of("size", "5", "subpath", "data"));
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of());
        cloud.resetCalls();

        for (int i = 0; i < 5; i++) {
            VolumeNotFoundException e = assertThrows(VolumeNotFoundException.class, () -> b.volumes().get("pgdata"));
            assertTrue(e.getMessage().startsWith("volume pgdata is not in use on this droplet (DigitalOcean has it: "
                    + "create it here with this plugin as its driver"), e.getMessage());
            assertThrows(VolumeNotFoundException.class, () -> b.volumes().path("pgdata"));
            assertEquals("volume unknown not found",
                    assertThrows(VolumeNotFoundException.class, () -> b.volumes().get("unknown")).getMessage());
        }
        assertEquals(1, cloud.totalCalls(), "DigitalOcean's list, once per LIST_CACHE_TTL");
        assertTrue(b.volumes().list().stream().anyMatch(v -> v.name().equals("pgdata")), "List shows it");

        Volume adopted = b.volumes().create("pgdata", Map.of("size", "5", "subpath", "data"));

        assertEquals("data", adopted.status().get("subpath"));
        assertEquals("5", b.volumes().get("pgdata").status().get("size"));
        assertEquals(1, cloud.volumes().size(), "the same DigitalOcean volume");
    }

    @Test
    void theSameIdMountedTwiceNeedsTwoUnmountsAndAnUnknownIdIsHarmless() {
        // docker cp into a running container sends a Mount and an Unmount with that container's own ID.
        a.volumes().create("pgdata", null);

        Path mountpoint = a.volumes().mount("pgdata", "container-1");
        a.volumes().mount("pgdata", "container-1");
        a.volumes().unmount("pgdata", "never-mounted");
        a.volumes().unmount("unknown", "container-1");
        assertEquals(2, a.volumes().get("pgdata").status().get("references"));
        assertEquals(Map.of("container-1", 2), a.volumes().get("pgdata").status().get("references_by_id"));

        a.volumes().unmount("pgdata", "container-1");
        assertTrue(a.host().isMounted(mountpoint), "the running container still holds it");
        assertEquals(List.of(NODE_A), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertEquals(1, a.volumes().get("pgdata").status().get("references"));

        a.volumes().unmount("pgdata", "container-1");
        a.volumes().unmount("pgdata", "container-1");
        assertFalse(a.host().isMounted(mountpoint));
        assertEquals(0, a.volumes().get("pgdata").status().get("references"), "never below zero");
    }

    @Test
    void aVolumeFollowsItsContainerToAnotherDroplet() {
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "on-a");
        a.volumes().unmount("pgdata", "on-a");

        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of());
        Path mountpoint = b.volumes().mount("pgdata", "on-b");

        assertTrue(b.host().isMounted(mountpoint));
        assertEquals(List.of(NODE_B), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertEquals(true, b.volumes().get("pgdata").status().get("created_by_plugin"), "adopted, and known as the plugin's");
    }

    @Test
    void aFailedMountLeavesNoReferenceAndNoAttachment() {
        a.volumes().create("pgdata", null);
        a.host().failNextMount("wrong fs type");

        VolumeException e = assertThrows(VolumeException.class, () -> a.volumes().mount("pgdata", "id-a"));

        assertEquals("mounting volume pgdata: wrong fs type", e.getMessage());
        assertEquals(0, a.volumes().get("pgdata").status().get("references"));
        assertEquals(List.of(), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
    }

    @Test
    void subpathIsCreatedAndHandedOutInsteadOfTheRoot() {
        a.volumes().create("pgdata", Map.of("subpath", "pg/data"));

        Path mountpoint = a.volumes().mount("pgdata", "id-a");

        assertEquals(a.volumes().mountRoot().resolve("pgdata/pg/data"), mountpoint);
        assertTrue(Files.isDirectory(mountpoint));
        assertTrue(a.host().isMounted(a.volumes().mountRoot().resolve("pgdata")), "the volume root is what is mounted");
    }

    // ---- takeover: every policy against every holder state ----

    @Test
    void takeoverWaitDetachesAtOnceFromADropletThatIsOff() {
        holdOnA("pgdata", "wait");
        cloud.setDropletStatus(NODE_A, "off");
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of());

        long start = System.nanoTime();
        b.volumes().mount("pgdata", "on-b");

        assertEquals(List.of(NODE_B), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofMillis(900)) < 0, "did not wait");
    }

    @Test
    void everyPolicyMountsAVolumeWhoseHolderIsGone() {
        for (String policy : List.of("wait", "force", "never")) {
            String name = "gone-" + policy;
            holdOnA(name, policy);
        }
        cloud.removeDroplet(NODE_A);
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of());

        for (String policy : List.of("wait", "force", "never")) {
            b.volumes().mount("gone-" + policy, "on-b");
            assertEquals(List.of(NODE_B), cloud.volume("gone-" + policy, REGION).orElseThrow().dropletIds(), policy);
        }
    }

    @Test
    void takeoverWaitAndNeverWaitForAHolderThatReleasesInTime() throws Exception {
        for (String policy : List.of("wait", "never")) {
            String name = "releasing-" + policy;
            holdOnA(name, policy);
            TestNode<FakeVolumeHost> b = node(NODE_B, Map.of("dostorage.volumes.takeover-wait", "5s"));
            CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
                sleep(300);
                a.volumes().unmount(name, "on-a");
            });

            b.volumes().mount(name, "on-b");

            release.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(NODE_B), cloud.volume(name, REGION).orElseThrow().dropletIds(), policy);
            assertFalse(a.host().isMounted(a.volumes().mountRoot().resolve(name)), "released cleanly by its holder");
        }
    }

    @Test
    void takeoverWaitLeavesAHolderThatLetsGoInTheLastInstantOfTheWait() {
        holdOnA("pgdata", "wait");
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of("dostorage.volumes.takeover-wait", "2s"));
        // B polls every 250 ms over a 2 s wait: the holder's detach completes after the poll at
        // 1.75 s and before the wait ends. A wait that stopped at its last full interval took it by force.
        cloud.detachLater("pgdata", REGION, NODE_A, Duration.ofMillis(1900));
        try (LogCapture log = LogCapture.start()) {
            b.volumes().mount("pgdata", "on-b");

            assertEquals(List.of(NODE_B), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
            List<String> forced = log.infoAndAbove("io.dostorage").stream().filter(l -> l.contains("taking volume pgdata over")).toList();
            assertEquals(List.of(), forced, "the holder let go within TAKEOVER_WAIT: nothing is detached by force");
        }
    }

    @Test
    void takeoverWaitDetachesByForceFromAHolderThatNeverReleases() {
        holdOnA("pgdata", "wait");
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of());

        b.volumes().mount("pgdata", "on-b");

        assertEquals(List.of(NODE_B), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
    }

    @Test
    void takeoverForceDetachesAtOnceFromARunningHolder() {
        holdOnA("pgdata", "force");
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of("dostorage.volumes.takeover-wait", "30s"));

        long start = System.nanoTime();
        b.volumes().mount("pgdata", "on-b");

        assertEquals(List.of(NODE_B), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0, "did not wait");
    }

    @Test
    void takeoverForceDetachesAtOnceFromADropletThatIsOff() {
        holdOnA("pgdata", "force");
        cloud.setDropletStatus(NODE_A, "off");
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of("dostorage.volumes.takeover-wait", "30s"));

        long start = System.nanoTime();
        b.volumes().mount("pgdata", "on-b");

        assertEquals(List.of(NODE_B), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0, "did not wait");
    }

    @Test
    void takeoverForceDoesNotWaitForAReleasingHolderWhoseLateReleaseLeavesTheNewHolderAlone() throws Exception {
        holdOnA("pgdata", "force");
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of("dostorage.volumes.takeover-wait", "30s"));
        CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
            sleep(1500);
            a.volumes().unmount("pgdata", "on-a");
        });

        long start = System.nanoTime();
        b.volumes().mount("pgdata", "on-b");
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofMillis(1400)) < 0, "did not wait");

        release.get(10, TimeUnit.SECONDS);
        assertFalse(a.host().isMounted(a.mountpoint("pgdata")), "A unmounted when its container stopped");
        assertEquals(List.of(NODE_B), cloud.volume("pgdata", REGION).orElseThrow().dropletIds(),
                "A's late release detached nothing from B");
    }

    @Test
    void takeoverNeverFailsNamingTheHolderAndLeavesItAttachedThere() {
        holdOnA("pgdata", "never");
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of());

        VolumeInUseException e = assertThrows(VolumeInUseException.class, () -> b.volumes().mount("pgdata", "on-b"));

        assertTrue(e.getMessage().startsWith("mounting volume pgdata: it is attached to droplet 1001 (droplet-1001, active), "
                + "which did not release it within 1s; takeover policy never does not detach"), e.getMessage());
        assertEquals(List.of(NODE_A), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertEquals(0, b.volumes().get("pgdata").status().get("references"));
    }

    @Test
    void takeoverNeverFailsAtOnceForAHolderThatIsOff() {
        holdOnA("pgdata", "never");
        cloud.setDropletStatus(NODE_A, "off");
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of());

        VolumeInUseException e = assertThrows(VolumeInUseException.class, () -> b.volumes().mount("pgdata", "on-b"));

        assertTrue(e.getMessage().startsWith("mounting volume pgdata: it is attached to droplet 1001 (droplet-1001, off); "
                + "takeover policy never does not detach"), e.getMessage());
        assertEquals(List.of(NODE_A), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
    }

    @Test
    void theTakeoverSettingAppliesToVolumesWithoutTheirOwnPolicy() {
        holdOnA("pgdata", null);
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of("dostorage.volumes.takeover", "never"));

        assertThrows(VolumeInUseException.class, () -> b.volumes().mount("pgdata", "on-b"));
    }

    // ---- remove ----

    @Test
    void removeIsRefusedWhileMountedHereOrAttachedElsewhere() {
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "on-a");

        VolumeInUseException here = assertThrows(VolumeInUseException.class, () -> a.volumes().remove("pgdata"));
        assertTrue(here.getMessage().startsWith("removing volume pgdata: it is mounted on this node for 1 container(s)"),
                here.getMessage());

        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of());
        b.volumes().create("pgdata", null);
        VolumeInUseException elsewhere = assertThrows(VolumeInUseException.class, () -> b.volumes().remove("pgdata"));
        assertTrue(elsewhere.getMessage().startsWith("removing volume pgdata: it is attached to droplet 1001"),
                elsewhere.getMessage());

        assertEquals(List.of(NODE_A), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertEquals(1, a.volumes().get("pgdata").status().get("references"));
    }

    @Test
    void removeDeletesOnlyWhatThePolicySays() {
        Cloud user = cloud.at(NODE_A);
        user.create(new NewVolume("brought", 1, REGION, null, null, List.of()));
        a.volumes().create("brought", null);
        a.volumes().create("created", null);
        a.volumes().create("kept", Map.of("remove", "keep"));
        a.volumes().create("deleted", Map.of("remove", "delete"));
        user.create(new NewVolume("brought-deleted", 1, REGION, null, null, List.of()));
        a.volumes().create("brought-deleted", Map.of("remove", "delete"));

        for (String name : List.of("brought", "created", "kept", "deleted", "brought-deleted")) {
            a.volumes().mount(name, "c");
            a.volumes().unmount(name, "c");
            a.volumes().remove(name);
        }

        assertTrue(cloud.volume("brought", REGION).isPresent(), "delete-created never deletes a volume the user brought");
        assertFalse(cloud.volume("created", REGION).isPresent(), "delete-created deletes what the plugin created");
        assertTrue(cloud.volume("kept", REGION).isPresent());
        assertFalse(cloud.volume("deleted", REGION).isPresent());
        assertFalse(cloud.volume("brought-deleted", REGION).isPresent());
        assertEquals(List.of(), a.store().listVolumes(), "all forgotten on this node");
    }

    // ---- grace, sweep, recovery ----

    @Test
    void aMountWithinTheGraceReusesTheAttachment() throws Exception {
        TestNode<FakeVolumeHost> graceful = node(NODE_A, Map.of("dostorage.volumes.unmount-grace", "400ms"), "graceful");
        graceful.volumes().create("pgdata", null);
        graceful.volumes().mount("pgdata", "create-probe");
        graceful.volumes().unmount("pgdata", "create-probe");
        graceful.volumes().mount("pgdata", "real");

        Thread.sleep(700);
        assertEquals(List.of(NODE_A), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertEquals(1, cloud.calls().get(ATTACH_CALLS), "one attach for the pair and the real mount");

        graceful.volumes().unmount("pgdata", "real");
        assertEquals(List.of(NODE_A), cloud.volume("pgdata", REGION).orElseThrow().dropletIds(), "kept during the grace");
        awaitDetached("pgdata", Duration.ofSeconds(5));
        awaitReleased(graceful, "pgdata");
        assertFalse(graceful.host().isMounted(graceful.volumes().mountRoot().resolve("pgdata")));
    }

    @Test
    void anIdleHourOfTheSweepMakesNoDigitalOceanCall() {
        a.volumes().create("idle", null);
        a.volumes().create("busy", null);
        a.volumes().mount("busy", "c");
        cloud.resetCalls();

        for (int minute = 0; minute < 60; minute++) {
            a.clock().advance(Duration.ofMinutes(1));
            assertEquals(List.of(), a.volumes().sweep());
        }

        assertEquals(0, cloud.totalCalls());
    }

    @Test
    void theSweepUnmountsOrphansAndReleasesWhatALostGraceLeftAttached() {
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "c");
        Path stray = a.volumes().mountRoot().resolve("leftover");
        a.host().mountedByHand("leftover", stray);
        // The process died during the grace: a new process finds the volume attached and mounted with no reference.
        a.store().removeReference("pgdata", "c", null);
        TestNode<FakeVolumeHost> restarted = node(NODE_A, Map.of("dostorage.volumes.unmount-grace", "5s"), "node-" + NODE_A, a.host(), a.clock());

        assertEquals(List.of("leftover"), restarted.volumes().sweep(), "orphans at once; the volume after the grace");
        restarted.clock().advance(Duration.ofSeconds(6));
        assertEquals(List.of("pgdata"), restarted.volumes().sweep());

        assertFalse(a.host().isMounted(stray));
        assertFalse(a.host().isMounted(a.volumes().mountRoot().resolve("pgdata")));
        assertEquals(List.of(), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
    }

    @Test
    void recoveryDropsTheReferenceOfAMountThatNeverAnsweredAndKeepsAcknowledgedOnes() {
        a.volumes().create("pgdata", null);
        Path mountpoint = a.volumes().mount("pgdata", "acknowledged");
        // A second Mount died after its reference was journalled, before dockerd got an answer.
        a.store().beginOperation("pgdata", "mount", "unanswered");
        a.store().addReference("pgdata", "unanswered", "mount-referenced");

        TestNode<FakeVolumeHost> restarted = restart(a, new FakeVolumeHost());
        assertEquals(Map.of(), restarted.volumes().recover());

        assertEquals(1, restarted.volumes().get("pgdata").status().get("references"));
        assertTrue(restarted.host().isMounted(mountpoint), "mounted again for the acknowledged caller");
        assertEquals(List.of(), restarted.store().operations());
    }

    @Test
    void recoveryReleasesAVolumeWhoseOnlyMountNeverAnswered() {
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "unanswered");
        // As a Mount that died after counting its reference leaves the journal: both in one transaction.
        a.store().beginOperation("pgdata", "mount", "unanswered");
        a.store().operationStep("pgdata", VolumeService.MOUNT_REFERENCED);

        TestNode<FakeVolumeHost> restarted = restart(a, a.host());
        assertEquals(Map.of(), restarted.volumes().recover());

        assertEquals(0, restarted.volumes().get("pgdata").status().get("references"));
        assertFalse(a.host().isMounted(a.volumes().mountRoot().resolve("pgdata")));
        assertEquals(List.of(), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
    }

    @Test
    void recoveryMountsAgainWithTheVolumesOwnMountOptionsAndOwner() {
        a.volumes().create("pgdata", Map.of("mountopts", "relatime", "uid", "999", "mode", "700"));
        Path mountpoint = a.volumes().mount("pgdata", "running");

        TestNode<FakeVolumeHost> restarted = restart(a, new FakeVolumeHost());
        assertEquals(Map.of(), restarted.volumes().recover());

        assertTrue(restarted.host().isMounted(mountpoint));
        assertEquals(Optional.of(new MountSpec("ext4", List.of("discard", "relatime"), new Ownership(999, null, 0700))),
                restarted.host().lastSpec("pgdata"), "the options stored with the volume, as the first Mount had them");
    }

    // ---- mount options, owner, limits, status ----

    @Test
    void aMountHandsTheHostTheVolumesMountOptionsOnTopOfTheDefaultsAndItsOwner() {
        a.volumes().create("plain", null);
        a.volumes().create("tuned", Map.of("mountopts", "nodiscard,lazytime", "uid", "70", "gid", "70", "mode", "0750"));

        a.volumes().mount("plain", "c1");
        a.volumes().mount("tuned", "c2");

        assertEquals(Optional.of(new MountSpec("ext4", List.of("discard", "noatime"), Ownership.NONE)),
                a.host().lastSpec("plain"), "DigitalOcean's recommended discard,noatime by default");
        assertEquals(Optional.of(new MountSpec("ext4", List.of("nodiscard", "noatime", "lazytime"), new Ownership(70, 70, 0750))),
                a.host().lastSpec("tuned"));
    }

    @Test
    void mountoptsSuidIsRefusedWithTheAllowedListAndNothingIsCreated() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> a.volumes().create("pgdata", Map.of("mountopts", "suid")));

        assertTrue(e.getMessage().startsWith("invalid option mountopts=\"suid\": mountopts must be a comma-separated list of "
                + "discard, nodiscard, noatime, relatime, strictatime, lazytime"), e.getMessage());
        assertTrue(e.getMessage().endsWith("suid is not allowed: it decides what the volume's programs and device files may "
                + "do on the host, which a volume option may not change"), e.getMessage());
        assertEquals(List.of(), cloud.volumes(), "nothing created in DigitalOcean");
        assertEquals(0, cloud.totalCalls());
    }

    @Test
    void ownerOptionsTravelInTheVolumesTagsToADropletThatNeverSawTheCreate() {
        a.volumes().create("pgdata", Map.of("uid", "999", "gid", "998", "mode", "750", "mountopts", "strictatime",
                "subpath", "data"));
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of());

        b.volumes().mount("pgdata", "on-b");

        assertEquals(Optional.of(new MountSpec("ext4", List.of("discard", "strictatime"), new Ownership(999, 998, 0750))),
                b.host().lastSpec("pgdata"));
        assertEquals(Optional.of(new Ownership(999, 998, 0750)), b.host().madeWith(b.mountpoint("pgdata").resolve("data")));
    }

    @Test
    void aNewSubpathIsMadeWithTheVolumesOwnerAndAnExistingOneIsLeftAsItIs() throws Exception {
        a.volumes().create("made", Map.of("subpath", "pg/data", "uid", "999", "mode", "700"));
        a.volumes().create("kept", Map.of("subpath", "data", "uid", "999", "mode", "700"));
        Files.createDirectories(a.mountpoint("kept").resolve("data")); // a user's folder on the volume

        Path made = a.volumes().mount("made", "c1");
        Path kept = a.volumes().mount("kept", "c2");

        assertEquals(a.mountpoint("made").resolve("pg/data"), made);
        assertEquals(Optional.of(new Ownership(999, null, 0700)), a.host().madeWith(a.mountpoint("made").resolve("pg")));
        assertEquals(Optional.of(new Ownership(999, null, 0700)), a.host().madeWith(made));
        assertEquals(Optional.empty(), a.host().madeWith(kept), "it was there: never changed");
    }

    @Test
    void theSixteenthVolumeOnADropletIsRefusedAtOnceNamingTheLimitAndTheVolumesAttached() {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= 16; i++) {
            names.add("v" + i);
            a.volumes().create("v" + i, Map.of("size", "1"));
        }
        for (String name : names.subList(0, 15)) {
            a.volumes().mount(name, "c-" + name);
        }
        cloud.resetCalls();

        long start = System.nanoTime();
        VolumeException e = assertThrows(VolumeException.class, () -> a.volumes().mount("v16", "c-v16"));
        long took = Duration.ofNanos(System.nanoTime() - start).toMillis();

        assertInstanceOf(DropletFullException.class, e);
        assertEquals("mounting volume v16 on droplet 1001: droplet 1001 has 15 volumes attached, DigitalOcean's limit per "
                + "droplet: " + String.join(", ", names.subList(0, 15)) + "; unmount one of them (stop its containers) first",
                e.getMessage());
        assertTrue(took < 1000, "at once, no wait: " + took + " ms");
        assertEquals(Map.of(FakeCloud.GET, 1, ATTACH_CALLS, 1, FakeCloud.LIST, 1), cloud.calls(),
                "the volume, the refused attach, and one list for the names; nothing retried, nothing to release");
        assertEquals(0, a.volumes().get("v16").status().get("references"));
        assertEquals("none", a.volumes().get("v16").status().get("attached_droplet"));
        assertEquals(List.of(), cloud.volume("v16", REGION).orElseThrow().dropletIds());
    }

    @Test
    void statusOfAVolumeMountedHereHasItsFilesystemsSizeAndFreeSpaceWithoutADigitalOceanCall() {
        a.volumes().create("pgdata", null);
        assertNull(a.volumes().get("pgdata").status().get("fs_size"), "not mounted here: no sizes");
        a.volumes().mount("pgdata", "c1");
        cloud.resetCalls();

        Map<String, Object> status = a.volumes().get("pgdata").status();

        assertEquals("10.0 GiB", status.get("fs_size"));
        assertEquals("4.0 GiB", status.get("fs_free"));
        assertEquals(0, cloud.totalCalls(), "statvfs here, nothing asked of DigitalOcean");
        a.volumes().unmount("pgdata", "c1");
        assertNull(a.volumes().get("pgdata").status().get("fs_free"));
    }

    @Test
    void aCreateAskingLessThanAVolumeHasTakesItAsItIsSinceDigitalOceanOnlyGrowsVolumes() {
        a.volumes().create("pgdata", Map.of("size", "10"));
        cloud.resize("pgdata", REGION, 25);
        TestNode<FakeVolumeHost> b = node(NODE_B, Map.of());

        // the compose file written before the resize, on a node new to the volume, then on the first again
        assertEquals("25", b.volumes().create("pgdata", Map.of("size", "10")).status().get("size"));
        assertEquals("10", a.volumes().create("pgdata", Map.of("size", "10")).status().get("size"));
        assertThrows(VolumeConflictException.class, () -> a.volumes().create("pgdata", Map.of("size", "11")));
        assertEquals(1, cloud.volumes().size());
    }

    @Test
    void aVolumeResizedAtDigitalOceanShowsItsNewSizeFromItsNextMount() {
        a.volumes().create("pgdata", Map.of("size", "10"));
        a.volumes().mount("pgdata", "c1");
        a.volumes().unmount("pgdata", "c1");
        cloud.resize("pgdata", REGION, 25);
        assertEquals("10", a.volumes().get("pgdata").status().get("size"), "Get asks DigitalOcean nothing");

        a.volumes().mount("pgdata", "c2");

        assertEquals("25", a.volumes().get("pgdata").status().get("size"));
        a.volumes().unmount("pgdata", "c2");
        assertEquals("25", restart(a, a.host()).volumes().get("pgdata").status().get("size"), "kept in the state file");
    }

    @Test
    void recoveryRecordsAVolumeWhoseCreateDiedAfterDigitalOceanMadeIt() {
        Cloud plugin = cloud.at(NODE_A);
        a.store().beginOperation("pgdata", "create", null);
        plugin.create(new NewVolume("pgdata", 10, REGION, null, null, List.of(VolumeService.CREATED_TAG)));

        TestNode<FakeVolumeHost> restarted = restart(a, a.host());
        assertEquals(Map.of(), restarted.volumes().recover());

        assertEquals(true, restarted.volumes().get("pgdata").status().get("created_by_plugin"));
        assertEquals(1, restarted.store().listVolumes().size());
    }

    @Test
    void concurrentMountAndUnmountPairsEndUnmountedDetachedWithOneAttachPerMountCycle() throws Exception {
        a.volumes().create("pgdata", null);
        cloud.resetCalls();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> pairs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String id = "id-" + i;
                pairs.add(pool.submit(() -> {
                    a.volumes().mount("pgdata", id);
                    a.volumes().unmount("pgdata", id);
                }));
            }
            for (Future<?> pair : pairs) {
                pair.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, a.volumes().get("pgdata").status().get("references"));
        assertFalse(a.host().isMounted(a.volumes().mountRoot().resolve("pgdata")));
        assertEquals(List.of(), cloud.volume("pgdata", REGION).orElseThrow().dropletIds());
        assertEquals(a.host().mountCalls(), a.host().unmountCalls());
        assertEquals(2 * a.host().mountCalls(), cloud.calls().get(ATTACH_CALLS),
                "one attach and one detach per mount cycle: " + cloud.calls());
    }

    // ---- helpers ----

    /** A volume created, and mounted by a container, on node A. */
    private void holdOnA(String name, String policy) {
        a.volumes().create(name, policy == null ? null : Map.of("takeover", policy));
        a.volumes().mount(name, "on-a");
    }

    private void awaitDetached(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!cloud.volume(name, REGION).orElseThrow().dropletIds().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, name + " still attached after " + timeout);
            Thread.sleep(20);
        }
    }

    /** Waits until the node's release timer has finished its work on the volume (its journal entry is gone). */
    private static void awaitReleased(TestNode<FakeVolumeHost> node, String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (node.store().operations().stream().anyMatch(o -> o.volume().equals(name))
                || node.store().findVolume(name).flatMap(v -> v.attached()).isPresent()) {
            assertTrue(System.nanoTime() < deadline, name + " still being released");
            Thread.sleep(20);
        }
    }

    private TestNode<FakeVolumeHost> node(long droplet, Map<String, String> settings) {
        return node(droplet, settings, "node-" + droplet);
    }

    private TestNode<FakeVolumeHost> node(long droplet, Map<String, String> settings, String stateName) {
        return node(droplet, settings, stateName, new FakeVolumeHost(), new MovableClock());
    }

    /** The same node after a restart of the plugin: same state file and clock, with the given mount table. */
    private TestNode<FakeVolumeHost> restart(TestNode<FakeVolumeHost> node, FakeVolumeHost host) {
        return node.restart(host);
    }

    private TestNode<FakeVolumeHost> node(long droplet, Map<String, String> settings, String stateName, FakeVolumeHost host, MovableClock clock) {
        return TestNode.start(cloud.at(droplet), settings, folder.resolve(stateName), host, clock);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
