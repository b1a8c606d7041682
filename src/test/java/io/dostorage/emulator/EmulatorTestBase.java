package io.dostorage.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.dostorage.support.Emulators;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Emulators for a test, all with DO's OpenAPI contract checked on every request and answer; after
 * each test every emulator is closed and must have recorded no contract violation.
 */
abstract class EmulatorTestBase {

    static final Duration DELAY = Duration.ofMillis(30);
    static final String TOKEN = "dop_v1_test";

    @TempDir
    Path tmp;

    private final List<DoEmulator> started = new ArrayList<>();

    EmulatorSettings settings() {
        return EmulatorSettings.defaults().withActionDelay(DELAY).withBackingDir(tmp.resolve("backing"));
    }

    DoEmulator start(EmulatorSettings settings) {
        DoEmulator emulator = Emulators.start(settings);
        started.add(emulator);
        return emulator;
    }

    static DoHttp http(DoEmulator emulator) {
        return new DoHttp(emulator.apiUrl(), TOKEN);
    }

    @AfterEach
    void closeAndCheckContract() {
        List<String> violations = new ArrayList<>();
        for (DoEmulator emulator : started) {
            violations.addAll(emulator.violations());
            emulator.close();
        }
        assertEquals(List.of(), violations, "contract violations");
    }

    static JsonNode createVolume(DoHttp http, String name, String region, int size) {
        DoHttp.Answer created = http.post("/v2/volumes",
                "{\"name\":\"" + name + "\",\"size_gigabytes\":" + size + ",\"region\":\"" + region + "\"}");
        assertEquals(201, created.status(), created.toString());
        return created.json().get("volume");
    }

    static DoHttp.Answer act(DoHttp http, String volumeId, String type, long dropletId, String region) {
        return http.post("/v2/volumes/" + volumeId + "/actions",
                "{\"type\":\"" + type + "\",\"droplet_id\":" + dropletId + ",\"region\":\"" + region + "\"}");
    }

    /** Starts an action that must be accepted; answers the action. */
    static JsonNode started(DoHttp.Answer answer) {
        assertEquals(202, answer.status(), answer.toString());
        return answer.json().get("action");
    }

    /** Polls GET /v2/actions/{id} until the action is no longer in progress; answers it. */
    static JsonNode awaitAction(DoHttp http, JsonNode action) {
        Instant deadline = Instant.now().plusSeconds(5);
        while (true) {
            DoHttp.Answer answer = http.get("/v2/actions/" + action.get("id").asLong());
            assertEquals(200, answer.status(), answer.toString());
            JsonNode current = answer.json().get("action");
            if (!current.get("status").asText().equals("in-progress")) {
                return current;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("action still in progress after 5 s: " + current);
            }
            sleep(Duration.ofMillis(10));
        }
    }

    static JsonNode attachAndWait(DoHttp http, String volumeId, long dropletId, String region) {
        JsonNode done = awaitAction(http, started(act(http, volumeId, "attach", dropletId, region)));
        assertEquals("completed", done.get("status").asText(), done.toString());
        return done;
    }

    static JsonNode detachAndWait(DoHttp http, String volumeId, long dropletId, String region) {
        JsonNode done = awaitAction(http, started(act(http, volumeId, "detach", dropletId, region)));
        assertEquals("completed", done.get("status").asText(), done.toString());
        return done;
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
