package io.dostorage.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Every setting of the plugin. Docker passes a managed plugin's settings as environment variables
 * ({@code docker plugin set NAME KEY=VALUE}), so each one is bound to its environment variable in
 * {@code application.properties}; the environment-variable name is given on each method.
 */
@ConfigMapping(prefix = "dostorage")
public interface PluginConfig {

    /**
     * {@code ACCESS_TOKEN}: the DigitalOcean personal access token (read and write). Never logged,
     * returned or written to the state file. Absent only when the plugin talks to the emulator.
     */
    Optional<Secret> accessToken();

    /** {@code DO_API_URL}: base URL of the DigitalOcean API v2. */
    @WithDefault("https://api.digitalocean.com")
    URI apiUrl();

    /** {@code DO_METADATA_URL}: base URL of the droplet metadata service (this droplet's id and region). */
    @WithDefault("http://169.254.169.254")
    URI metadataUrl();

    /**
     * {@code SOCKET}: the unix socket dockerd talks to. A managed plugin's socket must be the one
     * named in {@code config.json}'s {@code interface.socket}, under {@code /run/docker/plugins}.
     */
    @WithDefault("/run/docker/plugins/dostorage.sock")
    String socket();

    /**
     * {@code MOUNT_ROOT}: volumes are mounted at {@code <MOUNT_ROOT>/<name>}. For a managed plugin
     * this is its {@code propagatedMount}, so the mounts are visible to dockerd and containers.
     */
    @WithDefault("/mnt")
    Path mountRoot();

    /**
     * {@code STATE_DIR}: where the SQLite state lives. The default, {@code <MOUNT_ROOT>/.dostorage},
     * lies under the propagated mount so that it survives plugin restarts and upgrades; a DigitalOcean
     * volume name must start with a letter, so the dot-folder can never collide with a volume.
     */
    Path stateDir();

    /** {@code DEVICE_DIR}: where DigitalOcean volumes appear as {@code scsi-0DO_Volume_<name>}. */
    @WithDefault("/dev/disk/by-id")
    Path deviceDir();

    /** Defaults for {@code docker volume create -o ...} options a user leaves out. */
    VolumeDefaults volumes();

    /**
     * {@code SWEEP_INTERVAL}: how often the orphan sweep unmounts what is mounted under the mount
     * root with no reference (a Quarkus duration such as {@code 60s}, or {@code off}).
     */
    @WithDefault("60s")
    String sweepInterval();

    /** Defaults for volume options. */
    interface VolumeDefaults {

        /** {@code DEFAULT_SIZE}: size in GiB of a new volume created without {@code -o size}. */
        @WithDefault("10")
        int size();

        /** {@code DEFAULT_FSTYPE}: filesystem made on a blank volume without {@code -o fstype}: ext4 or xfs. */
        @WithDefault("ext4")
        String fstype();
    }

    /** How long a lock on one volume may be waited for before a request fails instead of hanging dockerd. */
    @WithDefault("90s")
    Duration lockTimeout();
}
