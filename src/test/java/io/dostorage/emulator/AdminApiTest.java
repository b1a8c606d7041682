package io.dostorage.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The control API the e2e and bench scripts use, and the options of the standalone emulator. */
class AdminApiTest extends EmulatorTestBase {

    private static DoHttp.Answer admin(DoEmulator emulator, String method, String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(emulator.apiUrl() + path));
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return DoHttp.send(request.build());
    }

    @Test
    void theScriptsDriveDropletPowerCallsVolumesAndDevicesOverHttp() {
        DoEmulator emulator = start(settings());
        emulator.addDroplet(1001, "nyc1", tmp.resolve("dev"));
        DoHttp http = http(emulator);

        assertEquals(200, admin(emulator, "PATCH", "/_emulator/droplets/1001", "{\"status\":\"off\"}").status());
        assertEquals("off", http.get("/v2/droplets/1001").json().get("droplet").get("status").asText());
        assertEquals(200, admin(emulator, "PATCH", "/_emulator/droplets/1001", "{\"status\":\"active\"}").status());
        assertEquals("active", http.get("/v2/droplets/1001").json().get("droplet").get("status").asText());
        assertEquals(400, admin(emulator, "PATCH", "/_emulator/droplets/1001", "{}").status(), "no status");
        assertEquals(400, admin(emulator, "PATCH", "/_emulator/droplets/4242", "{\"status\":\"off\"}").status());

        createVolume(http, "seen", "nyc1", 1);
        JsonNode volumes = admin(emulator, "GET", "/_emulator/volumes", null).json().get("volumes");
        assertEquals("seen", volumes.get(0).get("name").asText());

        JsonNode calls = admin(emulator, "GET", "/_emulator/calls", null).json();
        assertEquals(1, calls.get("calls").get("POST /v2/volumes").asInt());
        assertEquals(emulator.totalCalls(), calls.get("total").asInt());
        assertEquals(0, calls.get("pending_event_refusals").asInt());
        JsonNode devices = admin(emulator, "GET", "/_emulator/devices", null).json();
        assertEquals("file", devices.get("mode").asText());
        assertTrue(devices.get("said").asText().contains("plain files"), devices.toString());
        assertEquals(204, admin(emulator, "DELETE", "/_emulator/calls", null).status());
        assertEquals(0, emulator.totalCalls(), "admin calls are not DO calls");
        assertEquals(404, admin(emulator, "POST", "/_emulator/faults", "{}").status(), "faults are set in-process only");
    }

    @Test
    void theStandaloneEmulatorReadsItsOptions() {
        EmulatorMain.Options options = EmulatorMain.parse(new String[] {"--port", "9000", "--state", "/tmp/s.json",
                "--action-delay", "500ms", "--token", "t", "--loop-devices", "--droplet", "1001:nyc1:/tmp/dev1",
                "--droplet", "1002:fra1:/tmp/dev:2"});

        EmulatorSettings settings = options.settings();
        assertEquals(9000, settings.port());
        assertEquals(Path.of("/tmp/s.json"), settings.stateFile());
        assertEquals(Duration.ofMillis(500), settings.actionDelay());
        assertEquals("t", settings.token());
        assertTrue(settings.loopDevices());
        assertTrue(settings.deviceMapper(), "loop devices come with device-mapper where the kernel has it");
        assertEquals("127.0.0.1", settings.bindAddress());
        EmulatorSettings plain = EmulatorMain.parse(new String[] {"--no-device-mapper", "--loop-devices", "--bind",
                "198.18.0.254"}).settings();
        assertTrue(plain.loopDevices());
        assertFalse(plain.deviceMapper());
        assertEquals("198.18.0.254", plain.bindAddress());
        assertEquals(new EmulatorMain.Droplet(1001, "nyc1", Path.of("/tmp/dev1")), options.droplets().get(0));
        assertEquals(Path.of("/tmp/dev:2"), options.droplets().get(1).deviceDir());
        assertEquals(8089, EmulatorMain.parse(new String[0]).settings().port());
        assertEquals(Duration.ofSeconds(1), EmulatorMain.duration("1s"));
        assertThrows(IllegalArgumentException.class, () -> EmulatorMain.parse(new String[] {"--droplet", "x"}));
        assertThrows(IllegalArgumentException.class, () -> EmulatorMain.parse(new String[] {"--port"}));
    }
}
