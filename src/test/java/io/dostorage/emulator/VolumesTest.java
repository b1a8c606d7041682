package io.dostorage.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VolumesTest extends EmulatorTestBase {

    private static final long GIB = 1024L * 1024 * 1024;

    @Test
    void aCreatedVolumeCanBeReadListedByNameAndRegionAndDeleted() throws Exception {
        DoEmulator emulator = start(settings());
        DoHttp http = http(emulator);

        DoHttp.Answer created = http.post("/v2/volumes", """
                {"name":"pgdata","size_gigabytes":10,"region":"nyc1","description":"for postgres",
                 "tags":["dostorage"]}""");
        assertEquals(201, created.status(), created.toString());
        JsonNode volume = created.json().get("volume");
        String id = volume.get("id").asText();
        assertEquals("pgdata", volume.get("name").asText());
        assertEquals(10, volume.get("size_gigabytes").asInt());
        assertEquals("nyc1", volume.get("region").get("slug").asText());
        assertEquals("New York 1", volume.get("region").get("name").asText());
        assertEquals(0, volume.get("droplet_ids").size());
        assertEquals("for postgres", volume.get("description").asText());
        assertEquals("", volume.get("filesystem_type").asText(), "the emulator formats no volume, DO says \"\" then");
        assertEquals("dostorage", volume.get("tags").get(0).asText());
        assertTrue(volume.get("created_at").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));

        Path backing = tmp.resolve("backing").resolve(id + ".img");
        assertEquals(10 * GIB, Files.size(backing), "sparse backing file of the full size");

        assertEquals(volume, http.get("/v2/volumes/" + id).json().get("volume"));

        createVolume(http, "pgdata", "fra1", 1);
        createVolume(http, "other", "nyc1", 1);
        JsonNode byNameAndRegion = http.get("/v2/volumes?name=pgdata&region=nyc1").json();
        assertEquals(1, byNameAndRegion.get("meta").get("total").asInt());
        assertEquals(id, byNameAndRegion.get("volumes").get(0).get("id").asText());
        assertEquals(0, byNameAndRegion.get("links").size(), "one page: no links");
        assertEquals(2, http.get("/v2/volumes?name=pgdata").json().get("volumes").size());
        assertEquals(2, http.get("/v2/volumes?region=nyc1").json().get("volumes").size());
        assertEquals(0, http.get("/v2/volumes?name=pgdata&region=sfo3").json().get("volumes").size());
        assertEquals(3, http.get("/v2/volumes").json().get("meta").get("total").asInt());

        assertEquals(204, http.delete("/v2/volumes/" + id).status());
        DoHttp.Answer gone = http.get("/v2/volumes/" + id);
        assertEquals(404, gone.status());
        assertEquals("not_found", gone.json().get("id").asText());
        assertEquals(DoErrorText.NOT_FOUND, gone.json().get("message").asText());
        assertTrue(gone.json().hasNonNull("request_id"));
        assertFalse(Files.exists(backing), "backing file removed with the volume");
        assertEquals(404, http.delete("/v2/volumes/" + id).status());
    }

    @Test
    void fourHundredFiftyVolumesTakeThreePagesOfTwoHundred() {
        DoEmulator emulator = start(settings());
        DoHttp http = http(emulator);
        IntStream.range(0, 450).parallel().forEach(i -> createVolume(http, String.format("vol-%03d", i), "nyc1", 1));
        createVolume(http, "elsewhere", "sfo3", 1);

        String base = emulator.apiUrl().toString();
        Set<String> seen = new HashSet<>();
        JsonNode first = http.get("/v2/volumes?region=nyc1&per_page=200").json();
        assertEquals(450, first.get("meta").get("total").asInt());
        assertEquals(200, first.get("volumes").size());
        JsonNode pages = first.get("links").get("pages");
        assertEquals(base + "/v2/volumes?region=nyc1&page=2&per_page=200", pages.get("next").asText());
        assertEquals(base + "/v2/volumes?region=nyc1&page=3&per_page=200", pages.get("last").asText());
        assertFalse(pages.has("prev"));
        first.get("volumes").forEach(v -> seen.add(v.get("name").asText()));

        JsonNode second = http.get(pages.get("next").asText().substring(base.length())).json();
        assertEquals(200, second.get("volumes").size());
        JsonNode secondPages = second.get("links").get("pages");
        assertEquals(base + "/v2/volumes?region=nyc1&page=1&per_page=200", secondPages.get("first").asText());
        assertEquals(base + "/v2/volumes?region=nyc1&page=1&per_page=200", secondPages.get("prev").asText());
        second.get("volumes").forEach(v -> seen.add(v.get("name").asText()));

        JsonNode third = http.get(secondPages.get("next").asText().substring(base.length())).json();
        assertEquals(50, third.get("volumes").size());
        assertFalse(third.get("links").get("pages").has("next"), "the last page has no next");
        third.get("volumes").forEach(v -> seen.add(v.get("name").asText()));

        assertEquals(450, seen.size(), "every volume exactly once over the three pages");
        assertEquals(20, http.get("/v2/volumes").json().get("volumes").size(), "DO's default page size is 20");
    }

    @Test
    void aSecondVolumeWithTheSameNameInARegionIsRefused() {
        DoEmulator emulator = start(settings());
        DoHttp http = http(emulator);
        createVolume(http, "data", "nyc1", 1);

        DoHttp.Answer again = http.post("/v2/volumes", "{\"name\":\"data\",\"size_gigabytes\":1,\"region\":\"nyc1\"}");

        assertEquals(409, again.status(), again.toString());
        assertEquals("conflict", again.json().get("id").asText());
        assertTrue(again.json().get("message").asText().contains("already exists"));
        createVolume(http, "data", "nyc3", 1);
        assertEquals(2, emulator.volumes().size());
    }

    @Test
    void namesAndSizesOutsideDosRulesAreRefused() {
        DoEmulator emulator = start(settings());
        DoHttp http = http(emulator);
        for (String name : List.of("Data", "1data", "da_ta", "-data", "", "a".repeat(65))) {
            DoHttp.Answer answer = http.post("/v2/volumes",
                    "{\"name\":\"" + name + "\",\"size_gigabytes\":1,\"region\":\"nyc1\"}");
            assertEquals(422, answer.status(), name + ": " + answer);
            assertEquals("unprocessable_entity", answer.json().get("id").asText());
        }
        createVolume(http, "a".repeat(64), "nyc1", 1);
        for (int size : List.of(0, -1, 16385)) {
            DoHttp.Answer answer = http.post("/v2/volumes",
                    "{\"name\":\"sized\",\"size_gigabytes\":" + size + ",\"region\":\"nyc1\"}");
            assertEquals(422, answer.status(), size + ": " + answer);
        }
        assertEquals(1, emulator.volumes().size(), "nothing refused was created");
    }

    @Test
    void anAttachedVolumeIsNotDeletedUntilItIsDetached() {
        DoEmulator emulator = start(settings());
        emulator.addDroplet(1001, "nyc1", tmp.resolve("dev1001"));
        DoHttp http = http(emulator);
        String id = createVolume(http, "busy", "nyc1", 1).get("id").asText();
        attachAndWait(http, id, 1001, "nyc1");

        DoHttp.Answer refused = http.delete("/v2/volumes/" + id);

        assertEquals(409, refused.status(), refused.toString());
        assertEquals("A volume that's attached to a Droplet cannot be deleted. Please detach it first before deleting.",
                refused.json().get("message").asText());
        assertTrue(emulator.volume("busy", "nyc1").isPresent());
        detachAndWait(http, id, 1001, "nyc1");
        assertEquals(204, http.delete("/v2/volumes/" + id).status());
        assertTrue(emulator.volume("busy", "nyc1").isEmpty());
    }

    @Test
    void aBodyThatIsNotJsonIsDosBadRequest() {
        DoEmulator emulator = start(settings());
        emulator.setContractCheck(null);
        DoHttp.Answer answer = http(emulator).post("/v2/volumes", "{not json");
        assertEquals(400, answer.status());
        assertEquals("bad_request", answer.json().get("id").asText());
        assertEquals("error parsing request body", answer.json().get("message").asText());
    }
}
