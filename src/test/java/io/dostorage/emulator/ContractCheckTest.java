package io.dostorage.emulator;

import io.dostorage.support.OpenApiContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract check catches what DO's OpenAPI description does not allow, in both directions. */
class ContractCheckTest {

    private static final Map<String, List<String>> JSON = Map.of("Content-Type", List.of("application/json"));
    private final DoEmulator emulator = DoEmulator.start(EmulatorSettings.defaults());
    private final DoHttp http = new DoHttp(emulator.apiUrl(), "dop_v1_test");

    ContractCheckTest() {
        emulator.setContractCheck(OpenApiContract.instance());
    }

    @AfterEach
    void close() {
        emulator.close();
    }

    private static boolean mentions(List<String> violations, String text) {
        return violations.stream().anyMatch(v -> v.contains(text));
    }

    @Test
    void aSizeGivenAsTextIsARequestViolationAnsweredWith400() {
        DoHttp.Answer answer = http.post("/v2/volumes", "{\"name\":\"ten\",\"size_gigabytes\":\"ten\",\"region\":\"nyc1\"}");

        assertEquals(400, answer.status());
        assertEquals("bad_request", answer.json().get("id").asText());
        assertTrue(answer.json().get("message").asText().startsWith("contract violation: "), answer.toString());
        assertTrue(mentions(emulator.violations(), "size_gigabytes"), emulator.violations().toString());
        assertTrue(emulator.volumes().isEmpty(), "a violating request is not handled");
    }

    @Test
    void aPageSizeAboveTwoHundredIsARequestViolation() {
        DoHttp.Answer answer = http.get("/v2/volumes?per_page=500");

        assertEquals(400, answer.status());
        assertTrue(mentions(emulator.violations(), "maximum"), emulator.violations().toString());
    }

    @Test
    void anUnknownFieldOrPathIsARequestViolation() {
        assertEquals(400, http.post("/v2/volumes",
                "{\"name\":\"x\",\"size_gb\":1,\"size_gigabytes\":1,\"region\":\"nyc1\"}").status());
        assertEquals(400, http.get("/v2/volume").status());
        assertEquals(2, emulator.violations().size(), emulator.violations().toString());
    }

    @Test
    void aCorruptedAnswerIsAResponseViolationAnswered500() {
        String id = http.post("/v2/volumes", "{\"name\":\"x\",\"size_gigabytes\":1,\"region\":\"nyc1\"}")
                .json().get("volume").get("id").asText();
        assertTrue(emulator.violations().isEmpty(), emulator.violations().toString());
        emulator.corruptNextResponse(body -> body.replace("\"size_gigabytes\":1", "\"size_gigabytes\":\"1\""));

        DoHttp.Answer answer = http.get("/v2/volumes/" + id);

        assertEquals(500, answer.status());
        assertEquals("server_error", answer.json().get("id").asText());
        assertTrue(answer.json().get("message").asText().startsWith("emulator response violates the contract: "));
        assertTrue(mentions(emulator.violations(), "size_gigabytes"), emulator.violations().toString());
        assertEquals(200, http.get("/v2/volumes/" + id).status(), "only the next answer was corrupted");
    }

    @Test
    void theCheckRejectsBadVolumeAndActionBodiesAndAcceptsDosOwnExamples() {
        OpenApiContract contract = OpenApiContract.instance();
        String path = "/v2/volumes/506f78a4-e098-11e5-ad9f-000f53306ae1";
        String region = "\"region\":{\"name\":\"New York 1\",\"slug\":\"nyc1\",\"sizes\":[],\"features\":[],\"available\":true}";

        assertEquals(List.of(), contract.response("GET", path, 200, JSON,
                "{\"volume\":{\"id\":\"506f78a4-e098-11e5-ad9f-000f53306ae1\",\"name\":\"example\",\"size_gigabytes\":10,"
                        + "\"droplet_ids\":[],\"created_at\":\"2020-03-02T17:00:49Z\"," + region + "}}"));
        assertFalse(contract.response("GET", path, 200, JSON,
                "{\"volume\":{\"id\":5,\"name\":\"example\",\"size_gigabytes\":10," + region + "}}").isEmpty(),
                "an id that is not a string");
        assertFalse(contract.response("GET", path, 200, JSON,
                "{\"volume\":{\"id\":\"a\",\"name\":\"example\",\"size\":10," + region + "}}").isEmpty(),
                "a field the description does not have");
        assertFalse(contract.response("GET", "/v2/actions/7", 200, JSON,
                "{\"action\":{\"id\":7,\"status\":\"done\",\"type\":\"attach_volume\"}}").isEmpty(),
                "an action status outside in-progress/completed/errored");
        assertFalse(contract.response("GET", path, 200, JSON,
                "{\"volume\":{\"id\":\"a\",\"region\":{\"slug\":\"nyc1\"}}}").isEmpty(),
                "a region object without its required fields");
        assertFalse(contract.response("GET", path, 409, JSON, "{\"message\":\"no id\"}").isEmpty(),
                "an error without id");
        assertEquals(List.of(), contract.request("POST", path + "/actions", JSON,
                "{\"type\":\"attach\",\"droplet_id\":11612190,\"region\":\"nyc1\"}"),
                "DO's own example of an attach");
        assertFalse(contract.request("POST", path + "/actions", JSON,
                "{\"type\":\"attach\",\"droplet\":11612190,\"region\":\"nyc1\"}").isEmpty(),
                "an attach with a misspelt droplet_id");
    }
}
