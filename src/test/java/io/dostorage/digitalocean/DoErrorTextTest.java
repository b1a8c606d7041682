package io.dostorage.digitalocean;

import io.dostorage.emulator.DoEmulator;
import io.dostorage.emulator.EmulatorSettings;
import io.dostorage.support.Emulators;
import io.dostorage.volume.AttachedElsewhereException;
import io.dostorage.volume.Cloud;
import io.dostorage.volume.CloudAction;
import io.dostorage.volume.DoVolume;
import io.dostorage.volume.DropletBusyException;
import io.dostorage.volume.NewVolume;
import io.dostorage.volume.VolumeLimitException;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client's words for DigitalOcean's 422s ({@link DoErrorText}) against what the emulator says,
 * which is its own copy of DO's texts with their sources: each refusal reaches the rules as its
 * named error, and each "already" answer as nothing to do. A drift between the two copies fails here.
 */
@QuarkusTest
class DoErrorTextTest {

    private static final String REGION = "nyc1";

    @TempDir
    Path folder;

    private DoEmulator emulator;
    private Cloud cloud;

    @BeforeEach
    void setUp() {
        emulator = Emulators.start(EmulatorSettings.defaults().withActionDelay(Duration.ofMillis(300)).withVolumeLimit(1)
                .withBackingDir(folder.resolve("do-volumes")));
        emulator.addDroplet(1001, REGION, folder.resolve("dev-1001"));
        emulator.addDroplet(1002, REGION, folder.resolve("dev-1002"));
        cloud = Clients.cloud(emulator, 1001);
    }

    @AfterEach
    void tearDown() {
        Emulators.closeChecked(emulator);
    }

    @Test
    void everyRefusalTheRulesTellApartIsRecognised() throws Exception {
        DoVolume first = cloud.create(new NewVolume("first", 1, REGION, null, null, List.of()));
        DoVolume second = cloud.create(new NewVolume("second", 1, REGION, null, null, List.of()));
        CloudAction running = cloud.attach(first.id(), REGION, 1001).orElseThrow();

        DropletBusyException busy = assertThrows(DropletBusyException.class, () -> cloud.attach(second.id(), REGION, 1001));
        assertTrue(busy.getMessage().contains("pending event"), busy.getMessage());
        assertThrows(DropletBusyException.class, () -> cloud.detach(first.id(), REGION, 1001));

        await(running);
        assertEquals(Optional.empty(), cloud.attach(first.id(), REGION, 1001), "\"already attached\", here");
        AttachedElsewhereException elsewhere = assertThrows(AttachedElsewhereException.class,
                () -> cloud.attach(first.id(), REGION, 1002));
        assertEquals(List.of(1001L), elsewhere.holders());
        VolumeLimitException limit = assertThrows(VolumeLimitException.class, () -> cloud.attach(second.id(), REGION, 1001));
        assertTrue(limit.getMessage().contains("cannot attach more volumes to the Droplet (HTTP 422"), limit.getMessage());
        assertEquals(Optional.empty(), cloud.detach(second.id(), REGION, 1001), "\"attachment not found\": nothing to do");
    }

    private void await(CloudAction action) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (cloud.action(action.id()).status() == CloudAction.Status.IN_PROGRESS) {
            assertTrue(System.nanoTime() < deadline, "action still in progress");
            Thread.sleep(20);
        }
    }
}
