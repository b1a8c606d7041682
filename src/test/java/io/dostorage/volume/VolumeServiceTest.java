package io.dostorage.volume;

import io.dostorage.state.VolumeStore;
import io.dostorage.support.FakeVolumeHost;
import io.dostorage.support.TestConfig;
import io.dostorage.support.TestState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VolumeServiceTest {

    @TempDir
    Path folder;

    private TestConfig config;
    private VolumeStore store;
    private FakeVolumeHost host;
    private VolumeService volumes;

    @BeforeEach
    void setUp() {
        config = TestConfig.under(folder);
        store = TestState.open(config.stateDir());
        host = new FakeVolumeHost();
        volumes = new VolumeService(store, host, config);
    }

    @Test
    void createFillsDefaultsAndShowsThemInStatus() {
        volumes.create("pgdata", null);

        Volume volume = volumes.get("pgdata");
        assertEquals("10", volume.status().get("size"));
        assertEquals("ext4", volume.status().get("fstype"));
        assertEquals(0, volume.status().get("references"));
        assertNull(volume.mountpoint(), "an unmounted volume has no mountpoint");
        assertEquals(TestState.NOW, volume.createdAt());
    }

    @Test
    void defaultsComeFromSettings() {
        volumes = new VolumeService(store, host, config.withDefaults(25, "xfs"));

        volumes.create("pgdata", Map.of());

        assertEquals("25", volumes.get("pgdata").status().get("size"));
        assertEquals("xfs", volumes.get("pgdata").status().get("fstype"));
    }

    @Test
    void badDefaultSettingStopsTheServiceFromStarting() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new VolumeService(store, host, config.withDefaults(0, "ext4")));
        assertTrue(e.getMessage().contains("DEFAULT_SIZE"), e.getMessage());
    }

    @Test
    void createIsIdempotentWithTheSameOptions() {
        volumes.create("pgdata", Map.of("size", "20"));
        volumes.create("pgdata", Map.of("size", "020"));
        volumes.create("pgdata", null);

        assertEquals(1, volumes.list().size());
        assertEquals("20", volumes.get("pgdata").status().get("size"));
    }

    @Test
    void createWithOtherOptionsForAnExistingVolumeIsRefusedAndChangesNothing() {
        volumes.create("pgdata", Map.of("size", "20"));

        VolumeConflictException e = assertThrows(VolumeConflictException.class,
                () -> volumes.create("pgdata", Map.of("size", "30", "fstype", "ext4")));

        assertEquals("creating volume pgdata: it already exists with size=20 (asked: 30); "
                + "use it without -o, or remove it first", e.getMessage());
        assertEquals("20", volumes.get("pgdata").status().get("size"));
    }

    @Test
    void twoCallersShareOneMountUntilTheLastUnmount() {
        volumes.create("pgdata", null);

        Path first = volumes.mount("pgdata", "id-a");
        Path second = volumes.mount("pgdata", "id-b");

        assertEquals(config.mountRoot().toAbsolutePath().resolve("pgdata"), first);
        assertEquals(first, second);
        assertEquals(1, host.mountCalls());
        assertEquals(2, volumes.get("pgdata").status().get("references"));

        volumes.unmount("pgdata", "id-a");
        assertTrue(host.isMounted(first), "still mounted while id-b holds it");
        assertEquals(Optional.of(first), volumes.path("pgdata"));

        volumes.unmount("pgdata", "id-b");
        assertFalse(host.isMounted(first));
        assertEquals(Optional.empty(), volumes.path("pgdata"));
        assertEquals(1, host.unmountCalls());
    }

    @Test
    void theSameMountTwiceCountsOnce() {
        volumes.create("pgdata", null);

        volumes.mount("pgdata", "id-a");
        volumes.mount("pgdata", "id-a");
        assertEquals(1, volumes.get("pgdata").status().get("references"));

        volumes.unmount("pgdata", "id-a");
        assertFalse(host.isMounted(volumes.mountRoot().resolve("pgdata")));
    }

    @Test
    void unmountOfAnUnknownIdOrVolumeIsHarmless() {
        volumes.create("pgdata", null);
        Path mountpoint = volumes.mount("pgdata", "id-a");

        volumes.unmount("pgdata", "never-mounted");
        volumes.unmount("unknown", "id-a");

        assertTrue(host.isMounted(mountpoint));
        assertEquals(1, volumes.get("pgdata").status().get("references"));
    }

    @Test
    void mountOfAnUnknownVolumeSaysSo() {
        VolumeNotFoundException e = assertThrows(VolumeNotFoundException.class, () -> volumes.mount("nothere", "id-a"));
        assertEquals("volume nothere not found", e.getMessage());
        assertEquals(0, host.mountCalls());
    }

    @Test
    void aFailedMountLeavesNoReference() {
        volumes.create("pgdata", null);
        host.failNextMount("device busy");

        VolumeException e = assertThrows(VolumeException.class, () -> volumes.mount("pgdata", "id-a"));

        assertEquals("mounting volume pgdata: device busy", e.getMessage());
        assertEquals(0, volumes.get("pgdata").status().get("references"));
        assertEquals(Optional.empty(), volumes.path("pgdata"));
    }

    @Test
    void subpathIsCreatedAndHandedOutInsteadOfTheRoot() {
        volumes.create("pgdata", Map.of("subpath", "pg/data"));

        Path mountpoint = volumes.mount("pgdata", "id-a");

        assertEquals(volumes.mountRoot().resolve("pgdata/pg/data"), mountpoint);
        assertTrue(Files.isDirectory(mountpoint));
        assertTrue(host.isMounted(volumes.mountRoot().resolve("pgdata")), "the volume root is what is mounted");
        assertEquals(mountpoint, volumes.get("pgdata").mountpoint());
    }

    @Test
    void removeIsRefusedWhileMountedAndForgetsTheVolumeAfterwards() {
        volumes.create("pgdata", null);
        volumes.mount("pgdata", "id-a");

        VolumeInUseException e = assertThrows(VolumeInUseException.class, () -> volumes.remove("pgdata"));
        assertTrue(e.getMessage().startsWith("removing volume pgdata: it is mounted on this node for 1 container(s)"),
                e.getMessage());
        assertEquals(1, volumes.list().size());

        volumes.unmount("pgdata", "id-a");
        volumes.remove("pgdata");
        assertEquals(List.of(), volumes.list());
        assertThrows(VolumeNotFoundException.class, () -> volumes.get("pgdata"));
    }

    @Test
    void removingAnUnknownVolumeSucceedsBecauseItIsAlreadyGone() {
        volumes.remove("nothere");
        assertEquals(List.of(), volumes.list());
    }

    @Test
    void afterARestartReferencedVolumesAreMountedAgain() {
        volumes.create("pgdata", null);
        volumes.create("idle", null);
        Path mountpoint = volumes.mount("pgdata", "id-a");

        FakeVolumeHost freshHost = new FakeVolumeHost();
        VolumeService restarted = new VolumeService(TestState.open(config.stateDir()), freshHost, config);
        Map<String, String> failures = restarted.restoreMounts();

        assertEquals(Map.of(), failures);
        assertTrue(freshHost.isMounted(mountpoint));
        assertFalse(freshHost.isMounted(restarted.mountRoot().resolve("idle")));
        assertEquals(1, restarted.get("pgdata").status().get("references"));
    }

    @Test
    void aVolumeThatCannotBeRestoredIsReportedAndKeepsItsReferences() {
        volumes.create("pgdata", null);
        volumes.mount("pgdata", "id-a");

        FakeVolumeHost freshHost = new FakeVolumeHost();
        freshHost.failNextMount("no such device");
        VolumeService restarted = new VolumeService(store, freshHost, config);

        assertEquals(Map.of("pgdata", "restoring mount of volume pgdata: no such device"), restarted.restoreMounts());
        assertEquals(1, restarted.get("pgdata").status().get("references"), "a reference is never dropped");
    }

    @Test
    void orphanSweepUnmountsOnlyWhatNoCallerReferences() {
        volumes.create("pgdata", null);
        volumes.create("stale", null);
        Path held = volumes.mount("pgdata", "id-a");
        Path stale = volumes.mountRoot().resolve("stale");
        Path unknown = volumes.mountRoot().resolve("leftover");
        host.mountedByHand("stale", stale);
        host.mountedByHand("leftover", unknown);

        List<Path> unmounted = volumes.unmountOrphans();

        assertEquals(List.of(unknown, stale), unmounted);
        assertTrue(host.isMounted(held));
        assertEquals(List.of(held), host.mountsUnder(volumes.mountRoot()));
        assertEquals(List.of(), volumes.unmountOrphans(), "a second sweep finds nothing");
    }

    @Test
    void concurrentMountAndUnmountPairsEndUnmountedWithNoReference() throws Exception {
        volumes.create("pgdata", null);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> pairs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String id = "id-" + i;
                pairs.add(pool.submit(() -> {
                    volumes.mount("pgdata", id);
                    volumes.unmount("pgdata", id);
                }));
            }
            for (Future<?> pair : pairs) {
                pair.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, volumes.get("pgdata").status().get("references"));
        assertFalse(host.isMounted(volumes.mountRoot().resolve("pgdata")));
        assertEquals(host.mountCalls(), host.unmountCalls());
    }
}
