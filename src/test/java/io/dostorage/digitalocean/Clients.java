package io.dostorage.digitalocean;

import io.dostorage.config.PluginConfig;
import io.dostorage.config.Secret;
import io.dostorage.emulator.DoEmulator;
import io.dostorage.support.TestConfig;
import io.dostorage.volume.Cloud;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * The DigitalOcean adapter built by hand, against an emulator, for tests that run without Quarkus'
 * beans: the same code, without the fault-tolerance interceptors (those are tested with Quarkus, in
 * DigitalOceanClientTest). Quarkus' REST client still needs a running application, or at least its
 * classes: the tests that use these are {@code @QuarkusTest}s.
 */
public final class Clients {

    private Clients() {
    }

    public static Endpoints endpoints(DoEmulator emulator, long dropletId) {
        return new Endpoints(emulator.apiUrl(), emulator.metadataUrl(dropletId), Optional.of(Secret.of("test-token")));
    }

    /** The port as the plugin on droplet {@code dropletId} of the emulator sees it, with the default settings. */
    public static Cloud cloud(DoEmulator emulator, long dropletId) {
        return cloud(endpoints(emulator, dropletId), TestConfig.under(Path.of("target", "clients")));
    }

    public static Cloud cloud(Endpoints endpoints, PluginConfig config) {
        return new DigitalOcean(new DoCalls(endpoints, config, Clock.systemUTC()), new ThisDroplet(endpoints));
    }
}
