package io.dostorage.digitalocean;

import io.dostorage.support.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Without the emulator, the client talks to what the settings name: DigitalOcean's own services by default. */
class EndpointsFromSettingsTest {

    @TempDir
    Path folder;

    @Test
    void theDefaultsAreDigitalOceansApiAndTheDropletsMetadataService() {
        Endpoints endpoints = EndpointsFromSettings.of(TestConfig.under(folder));

        assertEquals(URI.create("https://api.digitalocean.com"), endpoints.api());
        assertEquals(URI.create("http://169.254.169.254"), endpoints.metadata());
    }

    @Test
    void theSettingsNameOtherEndpointsAndTheToken() {
        Endpoints endpoints = EndpointsFromSettings.of(TestConfig.with(folder, Map.of(
                "dostorage.api-url", "http://127.0.0.1:8089", "dostorage.metadata-url", "http://127.0.0.1:8089/droplets/1001",
                "dostorage.access-token", "dop_v1_settings")));

        assertEquals(URI.create("http://127.0.0.1:8089"), endpoints.api());
        assertEquals(URI.create("http://127.0.0.1:8089/droplets/1001"), endpoints.metadata());
        assertEquals("dop_v1_settings", endpoints.token().orElseThrow().reveal());
        assertEquals("Endpoints[api=http://127.0.0.1:8089, metadata=http://127.0.0.1:8089/droplets/1001, token=****]",
                endpoints.toString());
    }
}
