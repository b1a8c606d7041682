package io.dostorage.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VolumeActionsTest extends EmulatorTestBase {

    private DoEmulator emulator;
    private DoHttp http;
    private Path dev1;
    private Path dev2;

    @BeforeEach
    void twoDropletsInNyc1() {
        twoDropletsInNyc1(settings().withVolumeLimit(3));
    }

    /**
     * For tests that look at an action while it is in progress: slow enough that the few
     * milliseconds of a request or two never reach the end of the action.
     */
    private void withSlowActions() {
        twoDropletsInNyc1(settings().withVolumeLimit(3).withActionDelay(Duration.ofMillis(400)));
    }

    private void twoDropletsInNyc1(EmulatorSettings settings) {
        emulator = start(settings);
        dev1 = tmp.resolve("dev1");
        dev2 = tmp.resolve("dev2");
        emulator.addDroplet(1001, "nyc1", dev1);
        emulator.addDroplet(1002, "nyc1", dev2);
        http = http(emulator);
    }

    private Path link(Path deviceDir, String name) {
        return deviceDir.resolve("scsi-0DO_Volume_" + name);
    }

    private String volume(String name) {
        return createVolume(http, name, "nyc1", 1).get("id").asText();
    }

    private static void assertRefused(DoHttp.Answer answer, String text) {
        assertEquals(422, answer.status(), answer.toString());
        assertEquals("unprocessable_entity", answer.json().get("id").asText());
        assertTrue(answer.json().get("message").asText().contains(text), answer.toString());
    }

    @Test
    void anAttachIsInProgressThenCompletesAndOnlyThenTheDeviceAppears() throws Exception {
        withSlowActions();
        String id = volume("pgdata");

        JsonNode action = started(act(http, id, "attach", 1001, "nyc1"));

        assertEquals("in-progress", action.get("status").asText());
        assertEquals("attach_volume", action.get("type").asText());
        assertTrue(action.get("completed_at").isNull());
        assertEquals("volume", action.get("resource_type").asText());
        assertEquals("nyc1", action.get("region_slug").asText());
        assertEquals(0, http.get("/v2/volumes/" + id).json().get("volume").get("droplet_ids").size(),
                "not attached before the action completes");
        assertFalse(Files.exists(link(dev1, "pgdata"), LinkOption.NOFOLLOW_LINKS));

        JsonNode done = awaitAction(http, action);

        assertEquals("completed", done.get("status").asText());
        assertFalse(done.get("completed_at").isNull());
        assertEquals(List.of(1001L), emulator.volume("pgdata", "nyc1").orElseThrow().dropletIds());
        assertEquals(1001, http.get("/v2/volumes/" + id).json().get("volume").get("droplet_ids").get(0).asLong());
        JsonNode droplet = http.get("/v2/droplets/1001").json().get("droplet");
        assertEquals(id, droplet.get("volume_ids").get(0).asText());
        Path link = link(dev1, "pgdata");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(tmp.resolve("backing").resolve(id + ".img").toAbsolutePath(), Files.readSymbolicLink(link));
    }

    @Test
    void aDetachRemovesTheAttachmentAndTheDevice() {
        withSlowActions();
        String id = volume("logs");
        attachAndWait(http, id, 1001, "nyc1");

        JsonNode detach = started(act(http, id, "detach", 1001, "nyc1"));

        assertEquals("detach_volume", detach.get("type").asText());
        assertTrue(Files.exists(link(dev1, "logs"), LinkOption.NOFOLLOW_LINKS), "still there while detaching");
        assertEquals("completed", awaitAction(http, detach).get("status").asText());
        assertFalse(Files.exists(link(dev1, "logs"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of(), emulator.volume("logs", "nyc1").orElseThrow().dropletIds());
        assertEquals(0, http.get("/v2/droplets/1001").json().get("droplet").get("volume_ids").size());
    }

    @Test
    void attachingAnAttachedVolumeIsRefusedWhicheverDropletAsks() {
        String id = volume("once");
        attachAndWait(http, id, 1001, "nyc1");

        assertRefused(act(http, id, "attach", 1001, "nyc1"), DoErrorText.ALREADY_ATTACHED);
        assertRefused(act(http, id, "attach", 1002, "nyc1"), DoErrorText.ALREADY_ATTACHED);
        assertEquals(List.of(1001L), emulator.volume("once", "nyc1").orElseThrow().dropletIds());
    }

    @Test
    void detachingFromADropletThatDoesNotHoldTheVolumeIsAttachmentNotFound() {
        String id = volume("loose");
        assertRefused(act(http, id, "detach", 1001, "nyc1"), DoErrorText.ATTACHMENT_NOT_FOUND);
        attachAndWait(http, id, 1001, "nyc1");
        assertRefused(act(http, id, "detach", 1002, "nyc1"), DoErrorText.ATTACHMENT_NOT_FOUND);
        assertEquals(List.of(1001L), emulator.volume("loose", "nyc1").orElseThrow().dropletIds());
    }

    @Test
    void aDropletWithAnActionInProgressRefusesAnotherAttachOrDetach() {
        withSlowActions();
        String first = volume("first");
        String second = volume("second");
        JsonNode running = started(act(http, first, "attach", 1001, "nyc1"));

        assertRefused(act(http, second, "attach", 1001, "nyc1"), DoErrorText.PENDING_EVENT);
        assertRefused(act(http, first, "detach", 1001, "nyc1"), DoErrorText.PENDING_EVENT);
        assertEquals(2, emulator.pendingEventRefusals(), "the admin API counts them, so a test sees two attaches meet");

        awaitAction(http, running);
        attachAndWait(http, second, 1001, "nyc1");
        emulator.resetCalls();
        assertEquals(0, emulator.pendingEventRefusals());
    }

    @Test
    void aDropletTakesNoMoreThanTheVolumeLimit() {
        for (String name : List.of("a1", "a2", "a3")) {
            attachAndWait(http, volume(name), 1001, "nyc1");
        }
        String fourth = volume("a4");

        assertRefused(act(http, fourth, "attach", 1001, "nyc1"), DoErrorText.VOLUME_LIMIT);
        attachAndWait(http, fourth, 1002, "nyc1");
    }

    @Test
    void anUnknownDropletOrOneInAnotherRegionCannotTakeTheVolume() {
        String id = volume("here");
        emulator.addDroplet(2001, "fra1", tmp.resolve("dev-fra"));

        DoHttp.Answer unknown = act(http, id, "attach", 9999, "nyc1");
        assertEquals(404, unknown.status(), unknown.toString());
        assertEquals("not_found", unknown.json().get("id").asText());
        assertRefused(act(http, id, "attach", 2001, "nyc1"), "region");
        assertEquals(List.of(), emulator.volume("here", "nyc1").orElseThrow().dropletIds());
    }

    @Test
    void aResizeGrowsTheVolumeAndItsBackingFileWhenItCompletes() throws Exception {
        String id = volume("grow");
        DoHttp.Answer answer = http.post("/v2/volumes/" + id + "/actions",
                "{\"type\":\"resize\",\"size_gigabytes\":3,\"region\":\"nyc1\"}");
        JsonNode resize = started(answer);
        assertEquals("resize_volume", resize.get("type").asText());
        assertEquals("completed", awaitAction(http, resize).get("status").asText());

        assertEquals(3, http.get("/v2/volumes/" + id).json().get("volume").get("size_gigabytes").asInt());
        assertEquals(3L << 30, Files.size(tmp.resolve("backing").resolve(id + ".img")));
        assertRefused(http.post("/v2/volumes/" + id + "/actions",
                "{\"type\":\"resize\",\"size_gigabytes\":2,\"region\":\"nyc1\"}"), "larger");
    }

    @Test
    void aDropletThatIsOffShowsItsStatus() {
        JsonNode active = http.get("/v2/droplets/1001").json().get("droplet");
        assertEquals("active", active.get("status").asText());
        assertEquals("nyc1", active.get("region").get("slug").asText());

        emulator.setDropletStatus(1001, "off");

        assertEquals("off", http.get("/v2/droplets/1001").json().get("droplet").get("status").asText());
        assertEquals(404, http.get("/v2/droplets/4242").status(), "an unknown droplet");
    }
}
