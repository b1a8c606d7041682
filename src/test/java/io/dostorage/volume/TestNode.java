package io.dostorage.volume;

import io.dostorage.config.PluginConfig;
import io.dostorage.host.VolumeHost;
import io.dostorage.state.Boot;
import io.dostorage.state.VolumeStore;
import io.dostorage.support.TestConfig;
import io.dostorage.support.TestState;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * One plugin "node" built by hand: a droplet's view of DigitalOcean (the in-memory fake of the port,
 * or the real adapter against the emulator), its own state folder, a host and a clock, and the
 * {@link VolumeService} over them. Building nodes by hand lets one test run two droplets, and
 * restart one on the same state.
 */
record TestNode<H extends VolumeHost>(Cloud cloud, Map<String, String> settings, Path stateFolder, PluginConfig config,
                                      VolumeStore store, H host, MovableClock clock, VolumeService volumes) {

    /** Settings every node starts from: release at once, short takeover wait, fast action polls. */
    static final Map<String, String> FAST = Map.of("dostorage.volumes.unmount-grace", "0s",
            "dostorage.volumes.takeover-wait", "1s", "dostorage.digitalocean.action-poll-initial", "10ms",
            "dostorage.digitalocean.action-poll-max", "20ms");

    static <H extends VolumeHost> TestNode<H> start(Cloud cloud, Map<String, String> settings, Path stateFolder, H host,
                                                    MovableClock clock) {
        Map<String, String> all = new HashMap<>(FAST);
        all.putAll(settings);
        PluginConfig config = TestConfig.with(stateFolder, all);
        VolumeStore store = TestState.open(config.stateDir(), new Boot(config.bootIdFile()));
        VolumeService service = new VolumeService(store, host, cloud,
                new RemoteVolumes(cloud, store, config, clock),
                new Steps(store, config), config, clock);
        return new TestNode<>(cloud, Map.copyOf(settings), stateFolder, config, store, host, clock, service);
    }

    /** This node after a plugin restart: same droplet, state folder and clock, with {@code host} as the mount table. */
    <N extends VolumeHost> TestNode<N> restart(N newHost) {
        return start(cloud, settings, stateFolder, newHost, clock);
    }

    long droplet() {
        return cloud.dropletId();
    }

    /** Where volume {@code name} is mounted on this node. */
    Path mountpoint(String name) {
        return volumes.mountRoot().resolve(name);
    }

    /** A clock that tests move forward by hand. */
    static final class MovableClock extends Clock {

        private volatile Instant now = TestState.NOW;

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
