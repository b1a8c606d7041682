package io.dostorage.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaultsTest extends EmulatorTestBase {

    @Test
    void rateLimitedRequestsAnswer429WithDosHeadersThenTheApiAnswersAgain() {
        DoEmulator emulator = start(settings());
        DoHttp http = http(emulator);
        long expectedReset = Instant.now().plusSeconds(30).getEpochSecond();
        emulator.faults().rateLimited(2, Duration.ofSeconds(30));

        for (int i = 0; i < 2; i++) {
            DoHttp.Answer limited = http.get("/v2/volumes");
            assertEquals(429, limited.status(), limited.toString());
            assertEquals("too_many_requests", limited.json().get("id").asText());
            assertEquals("API Rate limit exceeded.", limited.json().get("message").asText());
            assertEquals("0", limited.header("ratelimit-remaining").orElseThrow());
            assertEquals("5000", limited.header("ratelimit-limit").orElseThrow());
            long reset = Long.parseLong(limited.header("ratelimit-reset").orElseThrow());
            assertTrue(Math.abs(reset - expectedReset) <= 1, "reset " + reset + " vs " + expectedReset);
            long retryAfter = Long.parseLong(limited.header("Retry-After").orElseThrow());
            assertTrue(retryAfter >= 28 && retryAfter <= 30, "Retry-After " + retryAfter);
        }

        DoHttp.Answer ok = http.get("/v2/volumes");
        assertEquals(200, ok.status());
        assertTrue(Integer.parseInt(ok.header("ratelimit-remaining").orElseThrow()) > 0);
        assertTrue(ok.header("x-request-id").isPresent());
    }

    @Test
    void aBurstOfServerErrorsEndsAfterTheGivenNumber() {
        DoEmulator emulator = start(settings());
        DoHttp http = http(emulator);
        emulator.faults().serverErrors(3, 503);

        for (int i = 0; i < 3; i++) {
            DoHttp.Answer failed = http.get("/v2/volumes");
            assertEquals(503, failed.status());
            assertEquals("service_unavailable", failed.json().get("id").asText());
            assertTrue(failed.json().hasNonNull("message"));
        }
        assertEquals(200, http.get("/v2/volumes").status());

        emulator.faults().serverErrors(1, 500);
        DoHttp.Answer failed = http.post("/v2/volumes", "{\"name\":\"x\",\"size_gigabytes\":1,\"region\":\"nyc1\"}");
        assertEquals(500, failed.status());
        assertEquals("server_error", failed.json().get("id").asText());
        assertTrue(emulator.volumes().isEmpty(), "a failed request changes nothing");
    }

    @Test
    void anErroredActionHasNoEffect() {
        DoEmulator emulator = start(settings());
        emulator.addDroplet(1001, "nyc1", tmp.resolve("dev"));
        DoHttp http = http(emulator);
        String id = createVolume(http, "flaky", "nyc1", 1).get("id").asText();
        emulator.faults().erroredActions(1);

        JsonNode action = started(act(http, id, "attach", 1001, "nyc1"));
        assertEquals("in-progress", action.get("status").asText(), "accepted like any action");
        JsonNode done = awaitAction(http, action);

        assertEquals("errored", done.get("status").asText());
        assertEquals(List.of(), emulator.volume("flaky", "nyc1").orElseThrow().dropletIds());
        assertFalse(Files.exists(tmp.resolve("dev").resolve("scsi-0DO_Volume_flaky"), LinkOption.NOFOLLOW_LINKS));
        attachAndWait(http, id, 1001, "nyc1");
    }

    @Test
    void aWrongOrMissingTokenIsUnauthorized() {
        DoEmulator emulator = start(settings().withToken(TOKEN));
        emulator.faults().serverErrors(1, 500);

        DoHttp.Answer wrong = new DoHttp(emulator.apiUrl(), "dop_v1_wrong").get("/v2/volumes");
        assertEquals(401, wrong.status());
        assertEquals("Unauthorized", wrong.json().get("id").asText());
        assertEquals(DoErrorText.UNAUTHORIZED, wrong.json().get("message").asText());
        assertTrue(wrong.json().hasNonNull("request_id"));
        assertTrue(wrong.header("ratelimit-limit").isPresent());
        assertEquals(401, new DoHttp(emulator.apiUrl(), null).get("/v2/volumes").status());

        assertEquals(500, http(emulator).get("/v2/volumes").status(), "the fault was not used up by the 401s");
        assertEquals(200, http(emulator).get("/v2/volumes").status());
    }

    @Test
    void callsAreCountedByPathTemplateButMetadataIsNot() {
        DoEmulator emulator = start(settings());
        emulator.addDroplet(1001, "nyc1", tmp.resolve("dev"));
        DoHttp http = http(emulator);
        String id = createVolume(http, "counted", "nyc1", 1).get("id").asText();
        attachAndWait(http, id, 1001, "nyc1");
        http.get("/v2/volumes/" + id);
        http.get("/v2/droplets/1001");
        new DoHttp(emulator.metadataUrl(1001), null).get("/metadata/v1/id");

        Map<String, Integer> calls = emulator.calls();

        assertEquals(1, calls.get("POST /v2/volumes"));
        assertEquals(1, calls.get("POST /v2/volumes/{volume_id}/actions"));
        assertEquals(1, calls.get("GET /v2/volumes/{volume_id}"));
        assertEquals(1, calls.get("GET /v2/droplets/{droplet_id}"));
        assertTrue(calls.get("GET /v2/actions/{action_id}") >= 1);
        assertEquals(calls.values().stream().mapToInt(Integer::intValue).sum(), emulator.totalCalls());
        assertTrue(calls.keySet().stream().allMatch(k -> k.contains(" /v2/")), calls.toString());
        emulator.resetCalls();
        assertEquals(0, emulator.totalCalls());
    }
}
