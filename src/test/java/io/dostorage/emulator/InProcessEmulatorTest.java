package io.dostorage.emulator;

import io.dostorage.support.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The emulator inside the plugin, across the restarts dev mode's live reload makes. */
class InProcessEmulatorTest {

    @TempDir
    Path folder;

    private InProcessEmulator plugin() {
        return new InProcessEmulator(TestConfig.with(folder, Map.of("dostorage.digitalocean.emulator", "true")));
    }

    @Test
    void aRestartKeepsTheUrlAndTheVolumes() {
        InProcessEmulator first = plugin();
        URI url = first.emulator().orElseThrow().apiUrl();
        DoHttp.Answer created = new DoHttp(url, "t").post("/v2/volumes",
                "{\"name\":\"v1\",\"size_gigabytes\":1,\"region\":\"nyc1\"}");
        assertEquals(201, created.status(), created.toString());
        first.stop();

        InProcessEmulator second = plugin();
        try {
            assertEquals(url, second.emulator().orElseThrow().apiUrl());
            assertEquals("v1", new DoHttp(url, "t").get("/v2/volumes?name=v1&region=nyc1").json().at("/volumes/0/name").asText());
        } finally {
            second.stop();
        }
    }

    @Test
    void whenItsLastPortIsTakenItServesOnAnother() throws Exception {
        InProcessEmulator first = plugin();
        int lastPort = first.emulator().orElseThrow().port();
        first.stop();

        try (ServerSocket taken = new ServerSocket(lastPort, 1, InetAddress.getLoopbackAddress())) {
            InProcessEmulator second = plugin();
            try {
                DoEmulator emulator = second.emulator().orElseThrow();
                assertNotEquals(lastPort, emulator.port());
                assertEquals(200, new DoHttp(emulator.apiUrl(), "t").get("/v2/volumes").status());
            } finally {
                second.stop();
            }
        }
    }
}
