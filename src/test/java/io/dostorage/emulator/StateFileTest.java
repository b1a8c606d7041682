package io.dostorage.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateFileTest extends EmulatorTestBase {

    private EmulatorSettings withState() {
        return settings().withStateFile(tmp.resolve("state").resolve("do.json"));
    }

    private void assertStillAttached(DoEmulator emulator, String id, Path device) throws Exception {
        DoHttp http = http(emulator);
        JsonNode volume = http.get("/v2/volumes/" + id).json().get("volume");
        assertEquals("kept", volume.get("name").asText());
        assertEquals(1001, volume.get("droplet_ids").get(0).asLong());
        assertEquals(id, http.get("/v2/droplets/1001").json().get("droplet").get("volume_ids").get(0).asText());
        assertTrue(Files.isSymbolicLink(device));
        assertEquals(tmp.resolve("backing").resolve(id + ".img").toAbsolutePath(), Files.readSymbolicLink(device));
    }

    @Test
    void aRestartedEmulatorKnowsVolumesAttachmentsAndDevices() throws Exception {
        Path device = tmp.resolve("dev").resolve("scsi-0DO_Volume_kept");
        DoEmulator first = start(withState().withToken(TOKEN));
        first.addDroplet(1001, "nyc1", tmp.resolve("dev"));
        String id = createVolume(http(first), "kept", "nyc1", 1).get("id").asText();
        JsonNode attach = attachAndWait(http(first), id, 1001, "nyc1");
        first.close();

        DoEmulator second = start(withState().withToken(TOKEN));

        assertStillAttached(second, id, device);
        assertEquals(attach, http(second).get("/v2/actions/" + attach.get("id").asLong()).json().get("action"));
        JsonNode next = started(act(http(second), id, "detach", 1001, "nyc1"));
        assertTrue(next.get("id").asLong() > attach.get("id").asLong(), "action ids go on from the saved counter");
        awaitAction(http(second), next);
        assertFalse(Files.exists(device, LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.readString(tmp.resolve("state").resolve("do.json")).contains(TOKEN),
                "the token is never written to the state file");
    }

    @Test
    void aSecondEmulatorStartedAfterACrashKnowsEverything() throws Exception {
        Path device = tmp.resolve("dev").resolve("scsi-0DO_Volume_kept");
        DoEmulator crashed = start(withState());
        crashed.addDroplet(1001, "nyc1", tmp.resolve("dev"));
        String id = createVolume(http(crashed), "kept", "nyc1", 1).get("id").asText();
        attachAndWait(http(crashed), id, 1001, "nyc1");

        DoEmulator successor = start(withState());

        assertNotEquals(crashed.port(), successor.port());
        assertStillAttached(successor, id, device);
        assertEquals(List.of(1001L), successor.volume("kept", "nyc1").orElseThrow().dropletIds());
    }

    @Test
    void anActionInFlightAtARestartCompletesAfterwards() throws Exception {
        EmulatorSettings slow = withState().withActionDelay(Duration.ofMillis(300));
        DoEmulator first = start(slow);
        first.addDroplet(1001, "nyc1", tmp.resolve("dev"));
        String id = createVolume(http(first), "kept", "nyc1", 1).get("id").asText();
        JsonNode attach = started(act(http(first), id, "attach", 1001, "nyc1"));
        first.close();

        DoEmulator second = start(slow);

        JsonNode done = awaitAction(http(second), attach);
        assertEquals("completed", done.get("status").asText());
        assertStillAttached(second, id, tmp.resolve("dev").resolve("scsi-0DO_Volume_kept"));
    }
}
