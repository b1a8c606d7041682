package io.dostorage.digitalocean;

import io.dostorage.config.PluginConfig;
import io.dostorage.config.Secret;
import io.dostorage.emulator.DoEmulator;

import java.time.Clock;
import java.util.Optional;

/**
 * DigitalOcean clients built by hand, for tests that run without Quarkus: the same code, without
 * the fault-tolerance interceptors (those are tested with Quarkus, in DigitalOceanClientTest).
 */
public final class Clients {

    private Clients() {
    }

    public static Endpoints endpoints(DoEmulator emulator, long dropletId) {
        return new Endpoints(emulator.apiUrl(), emulator.metadataUrl(dropletId), Optional.of(Secret.of("test-token")));
    }

    public static DigitalOcean digitalOcean(Endpoints endpoints, PluginConfig config) {
        return new DigitalOcean(new DoCalls(endpoints, config, Clock.systemUTC()), config);
    }

    public static ThisDroplet thisDroplet(Endpoints endpoints) {
        return new ThisDroplet(endpoints);
    }
}
