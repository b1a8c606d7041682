package io.dostorage.volume;

import io.dostorage.digitalocean.Clients;
import io.dostorage.emulator.DoEmulator;
import io.dostorage.host.FolderHost;
import io.dostorage.support.Emulators;
import io.dostorage.volume.TestNode.MovableClock;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DigitalOcean's limit of 15 volumes per droplet, through the real adapter against the emulator (whose
 * limit is DO's, {@code EmulatorSettings.DO_VOLUME_LIMIT}) and its 422: the rules turn it into a refusal
 * that names the limit and the droplet's volumes, at once. Folders stand in for the filesystems (the
 * emulator links its volumes' backing files into the droplet's device folder), so no root is needed.
 */
@QuarkusTest
class DropletLimitTest {

    private static final String REGION = "nyc1";
    private static final long DROPLET = 1001;

    @TempDir
    Path folder;

    private DoEmulator emulator;

    @AfterEach
    void stop() {
        if (emulator != null) {
            Emulators.closeChecked(emulator);
        }
    }

    @Test
    void theSixteenthVolumeOnOneDropletIsRefusedAtOnceNamingTheLimitAndTheDropletsVolumes() {
        emulator = Emulators.start(folder);
        emulator.addDroplet(DROPLET, REGION, folder.resolve("dev"));
        TestNode<FolderHost> node = TestNode.start(Clients.cloud(emulator, DROPLET), Map.of(), folder.resolve("node"),
                new FolderHost(folder.resolve("dev")), new MovableClock());
        List<String> attached = new ArrayList<>();
        for (int i = 1; i <= 15; i++) {
            node.volumes().create("v" + i, Map.of("size", "1"));
            node.volumes().mount("v" + i, "c" + i);
            attached.add("v" + i);
        }
        node.volumes().create("v16", Map.of("size", "1"));
        emulator.resetCalls();

        long start = System.nanoTime();
        VolumeException e = assertThrows(VolumeException.class, () -> node.volumes().mount("v16", "c16"));
        long took = Duration.ofNanos(System.nanoTime() - start).toMillis();

        assertEquals("mounting volume v16 on droplet 1001: droplet 1001 has 15 volumes attached, DigitalOcean's limit per "
                + "droplet: " + String.join(", ", attached) + "; unmount one of them (stop its containers) first",
                e.getMessage());
        assertTrue(took < 2000, "at once: " + took + " ms");
        assertEquals(Map.of("GET /v2/volumes/{volume_id}", 1, "POST /v2/volumes/{volume_id}/actions", 1,
                "GET /v2/volumes", 1), emulator.calls(), "one call more than the refused attach, for the names");
        assertEquals(List.of(), emulator.volume("v16", REGION).orElseThrow().dropletIds());
        System.err.println("the 16th Mount was refused in " + took + " ms");

        node.volumes().unmount("v15", "c15");
        node.volumes().mount("v16", "c16");
        assertEquals(List.of(DROPLET), emulator.volume("v16", REGION).orElseThrow().dropletIds(),
                "with one unmounted (released at once: UNMOUNT_GRACE 0s here), it mounts");
    }
}
