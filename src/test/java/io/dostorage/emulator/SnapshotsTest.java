package io.dostorage.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotsTest extends EmulatorTestBase {

    private static final long OFFSET = 5L * 1024 * 1024 + 17;
    private static final byte[] DATA = "written before the snapshot".getBytes(StandardCharsets.UTF_8);

    @Test
    void aVolumeCreatedFromASnapshotHoldsTheSnapshotsData() throws Exception {
        DoEmulator emulator = start(settings());
        emulator.addDroplet(1001, "nyc1", tmp.resolve("dev"));
        DoHttp http = http(emulator);
        String source = createVolume(http, "source", "nyc1", 1).get("id").asText();
        attachAndWait(http, source, 1001, "nyc1");
        Path device = Files.readSymbolicLink(tmp.resolve("dev").resolve("scsi-0DO_Volume_source"));
        write(device, OFFSET, DATA);

        DoHttp.Answer created = http.post("/v2/volumes/" + source + "/snapshots", "{\"name\":\"source-snap\"}");

        assertEquals(201, created.status(), created.toString());
        JsonNode snapshot = created.json().get("snapshot");
        String snapshotId = snapshot.get("id").asText();
        assertEquals("source-snap", snapshot.get("name").asText());
        assertEquals(source, snapshot.get("resource_id").asText());
        assertEquals("volume", snapshot.get("resource_type").asText());
        assertEquals(1, snapshot.get("min_disk_size").asInt());
        assertEquals("nyc1", snapshot.get("regions").get(0).asText());

        write(device, OFFSET, "changed after".getBytes(StandardCharsets.UTF_8));
        DoHttp.Answer restored = http.post("/v2/volumes", "{\"name\":\"restored\",\"size_gigabytes\":2,"
                + "\"region\":\"nyc1\",\"snapshot_id\":\"" + snapshotId + "\"}");

        assertEquals(201, restored.status(), restored.toString());
        String copy = restored.json().get("volume").get("id").asText();
        Path backing = tmp.resolve("backing").resolve(copy + ".img");
        assertArrayEquals(DATA, read(backing, OFFSET, DATA.length), "the snapshot's data, not the later change");
        assertEquals(2L << 30, Files.size(backing));
        assertEquals(snapshotId, emulator.volume("restored", "nyc1").orElseThrow().snapshotId());
    }

    @Test
    void aSnapshotRestoresOnlyInItsRegionAndAtLeastItsSize() {
        DoEmulator emulator = start(settings());
        DoHttp http = http(emulator);
        String source = createVolume(http, "big", "nyc1", 3).get("id").asText();
        String snapshotId = http.post("/v2/volumes/" + source + "/snapshots", "{\"name\":\"big-snap\"}")
                .json().get("snapshot").get("id").asText();

        assertEquals(422, http.post("/v2/volumes", "{\"name\":\"small\",\"size_gigabytes\":2,\"region\":\"nyc1\","
                + "\"snapshot_id\":\"" + snapshotId + "\"}").status());
        assertEquals(422, http.post("/v2/volumes", "{\"name\":\"far\",\"size_gigabytes\":3,\"region\":\"fra1\","
                + "\"snapshot_id\":\"" + snapshotId + "\"}").status());
        assertEquals(404, http.post("/v2/volumes", "{\"name\":\"none\",\"size_gigabytes\":3,\"region\":\"nyc1\","
                + "\"snapshot_id\":\"no-such-snapshot\"}").status());
        assertTrue(emulator.volume("small", "nyc1").isEmpty());
    }

    @Test
    void tagsAreCreatedAndPutOnVolumes() {
        DoEmulator emulator = start(settings());
        DoHttp http = http(emulator);
        String id = createVolume(http, "tagged", "nyc1", 1).get("id").asText();
        String volume = "{\"resources\":[{\"resource_id\":\"" + id + "\",\"resource_type\":\"volume\"}]}";

        DoHttp.Answer tag = http.post("/v2/tags", "{\"name\":\"dostorage\"}");
        assertEquals(201, tag.status(), tag.toString());
        assertEquals("dostorage", tag.json().get("tag").get("name").asText());
        assertEquals(0, tag.json().get("tag").get("resources").get("count").asInt());
        DoHttp.Answer assigned = http.post("/v2/tags/dostorage/resources", volume);

        assertEquals(204, assigned.status(), assigned.toString());
        assertEquals("dostorage", http.get("/v2/volumes/" + id).json().get("volume").get("tags").get(0).asText());
        assertEquals(List.of("dostorage"), emulator.volume("tagged", "nyc1").orElseThrow().tags());
        assertEquals(204, http.post("/v2/tags/dostorage/resources", volume).status(), "tagging again changes nothing");
        assertEquals(List.of("dostorage"), emulator.volume("tagged", "nyc1").orElseThrow().tags());
        DoHttp.Answer again = http.post("/v2/tags", "{\"name\":\"dostorage\"}");
        assertEquals(1, again.json().get("tag").get("resources").get("volumes").get("count").asInt());
        assertEquals(404, http.post("/v2/tags/unknown/resources", volume).status());
        assertEquals(404, http.post("/v2/tags/dostorage/resources",
                "{\"resources\":[{\"resource_id\":\"no-such-volume\",\"resource_type\":\"volume\"}]}").status());
        assertEquals(422, http.post("/v2/tags/dostorage/resources",
                "{\"resources\":[{\"resource_id\":\"1001\",\"resource_type\":\"droplet\"}]}").status(),
                "the emulator tags volumes only");
    }

    private static void write(Path file, long offset, byte[] bytes) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            raf.write(bytes);
        }
    }

    private static byte[] read(Path file, long offset, int length) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            byte[] bytes = new byte[length];
            raf.seek(offset);
            raf.readFully(bytes);
            return bytes;
        }
    }
}
