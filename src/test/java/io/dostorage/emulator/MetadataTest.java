package io.dostorage.emulator;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetadataTest extends EmulatorTestBase {

    @Test
    void eachDropletAnswersItsOwnIdAndRegionAsPlainText() {
        DoEmulator emulator = start(settings());
        emulator.addDroplet(1001, "nyc1", tmp.resolve("dev1"));
        emulator.addDroplet(1002, "fra1", tmp.resolve("dev2"));
        DoHttp first = new DoHttp(emulator.metadataUrl(1001), null);
        DoHttp second = new DoHttp(emulator.metadataUrl(1002), null);

        DoHttp.Answer id = first.get("/metadata/v1/id");
        assertEquals(200, id.status());
        assertEquals("1001", id.body());
        assertTrue(id.header("Content-Type").orElseThrow().startsWith("text/plain"));
        assertEquals("nyc1", first.get("/metadata/v1/region").body());
        assertEquals("1002", second.get("/metadata/v1/id").body());
        assertEquals("fra1", second.get("/metadata/v1/region").body());
        assertEquals(0, emulator.totalCalls(), "metadata is not a DO API call");
    }

    @Test
    void anUnknownDropletOrItemHasNoMetadata() {
        DoEmulator emulator = start(settings());
        emulator.addDroplet(1001, "nyc1", tmp.resolve("dev1"));

        assertEquals(404, new DoHttp(emulator.metadataUrl(4242), null).get("/metadata/v1/id").status());
        assertEquals(404, new DoHttp(emulator.metadataUrl(1001), null).get("/metadata/v1/hostname").status(),
                "the emulator answers only what the plugin reads");
        assertEquals(404, new DoHttp(emulator.metadataUrl(1001), null).send("POST", "/metadata/v1/id", "{}").status());
    }
}
