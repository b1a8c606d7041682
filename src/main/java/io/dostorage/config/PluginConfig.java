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

    /**
     * {@code dostorage.state-template} (a system property, not a user's setting: the image's entry point
     * sets it to {@code /opt/dostorage/state-template.db}): a state file that this version's Flyway
     * migrations made when the image was built ({@code io.dostorage.state.StateTemplate}). A node
     * without a state file gets a copy of it, so that its first start need not run Flyway, whose
     * classes (and the Jackson that Flyway copies its configuration with) would otherwise be in the
     * image's AOT cache and so loaded at every start. The copy is then checked as any state file is,
     * and migrated by Flyway if it lacks a migration. Absent (dev mode, tests): Flyway makes the file.
     */
    Optional<Path> stateTemplate();

    /**
     * {@code BOOT_ID_FILE}: where the kernel's boot id is read. Every mount reference records the
     * boot it was made in; references of an earlier boot are void at start, since no container
     * survives a reboot. Tests point it at a file of their own to play a reboot.
     */
    @WithDefault("/proc/sys/kernel/random/boot_id")
    Path bootIdFile();

    /** {@code DEVICE_DIR}: where DigitalOcean volumes appear as {@code scsi-0DO_Volume_<name>}. */
    @WithDefault("/dev/disk/by-id")
    Path deviceDir();

    /** Defaults for {@code docker volume create -o ...} options a user leaves out. */
    VolumeDefaults volumes();

    /**
     * {@code MOUNTER}: how a volume's filesystem is made available on this node.
     * {@code block} (the product): wait for the attached DigitalOcean volume under {@code DEVICE_DIR},
     * format it only when it holds no signature at all, and mount it; needs root (CAP_SYS_ADMIN).
     * {@code folder} (dev mode and tests without root): a folder under the mount root stands in for
     * the volume's filesystem; DigitalOcean (or the emulator) is still driven for real.
     */
    @WithDefault("block")
    Mounter mounter();

    /** The values of {@code MOUNTER}. */
    enum Mounter {
        block, folder
    }

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

        /**
         * {@code TAKEOVER}: what a Mount does when another droplet holds the volume, unless the volume
         * says otherwise ({@code -o takeover=}): {@code wait} (holder off or gone: detach at once;
         * running: wait {@code TAKEOVER_WAIT} for it to release, then detach by force), {@code force}
         * (detach at once), {@code never} (wait, then fail naming the holder).
         */
        @WithDefault("wait")
        String takeover();

        /** {@code TAKEOVER_WAIT}: how long a Mount waits for another droplet to release the volume. */
        @WithDefault("40s")
        Duration takeoverWait();

        /**
         * {@code REMOVE}: what {@code docker volume rm} does to the DigitalOcean volume, unless the volume
         * says otherwise ({@code -o remove=}): {@code keep}, {@code delete}, or {@code delete-created}
         * (delete only volumes this plugin created; never one the user brought).
         */
        @WithDefault("delete-created")
        String remove();

        /**
         * {@code UNMOUNT_GRACE}: after the last Unmount, how long the volume stays mounted and attached
         * before it is released; a Mount in that time reuses it. dockerd's container create sends a
         * Mount/Unmount pair (to copy the image's files into the volume) right before the start's Mount,
         * and a quick restart an Unmount and a Mount: a gap the grace misses costs a detach and an attach
         * (about four DO calls and two actions' time). Measured on Docker 20.10 in the swarm stage, that
         * gap is tens to a few hundred milliseconds; the grace is also what every move of a Swarm task
         * waits before the old droplet lets go. 1 s covers the first and keeps the second short.
         */
        @WithDefault("1s")
        Duration unmountGrace();

        /** {@code DEVICE_TIMEOUT}: how long to wait for an attached volume's device to appear. */
        @WithDefault("20s")
        Duration deviceTimeout();

        /** {@code LIST_CACHE_TTL}: how long DigitalOcean's list of volumes is reused for Get and List. */
        @WithDefault("30s")
        Duration listCacheTtl();
    }

    /** Talking to DigitalOcean. */
    DigitalOcean digitalocean();

    /** Talking to DigitalOcean. */
    interface DigitalOcean {

        /**
         * {@code DO_EMULATOR}: serve the DigitalOcean API and metadata from an emulator inside the
         * plugin instead of DigitalOcean (dev mode and tests; no account needed). Its state lives in
         * the state folder.
         */
        @WithDefault("false")
        boolean emulator();

        /** {@code DO_EMULATOR_ACTION_DELAY}: how long the emulator takes to complete an attach or detach. */
        @WithDefault("1s")
        Duration emulatorActionDelay();

        /** {@code DO_EMULATOR_TOKEN}: the one token the emulator accepts; any token when unset. */
        Optional<String> emulatorToken();

        /**
         * {@code DO_EMULATOR_LOOP_DEVICES}: back the emulator's volumes with loop devices (needs root),
         * so that they can be formatted and mounted for real; otherwise with plain files.
         */
        @WithDefault("false")
        boolean emulatorLoopDevices();

        /** {@code ACTION_TIMEOUT}: how long to wait for an attach or detach to complete. */
        @WithDefault("25s")
        Duration actionTimeout();

        /** {@code ACTION_POLL_INITIAL}: first interval between polls of an action's status; it doubles up to the maximum. */
        @WithDefault("100ms")
        Duration actionPollInitial();

        /** {@code ACTION_POLL_MAX}: longest interval between polls of an action's status. */
        @WithDefault("1s")
        Duration actionPollMax();

        /**
         * {@code RATE_LIMIT_MAX_WAIT}: the longest wait for DigitalOcean's rate limit to reset before
         * a call is retried; a longer one fails the call at once with a clear message.
         */
        @WithDefault("20s")
        Duration rateLimitMaxWait();

        /** {@code DO_CONNECT_TIMEOUT}: connecting to the API. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** {@code DO_READ_TIMEOUT}: waiting for one answer of the API. */
        @WithDefault("15s")
        Duration readTimeout();
    }

    /**
     * {@code CRASH_AT}: for crash tests only. When an operation reaches the named step (for example
     * {@code mount-attached}), the process halts at once, as after {@code kill -9}. Never set it in
     * production.
     */
    Optional<String> crashAt();

    /**
     * {@code LOCK_TIMEOUT}: how long a request waits for another operation on the same volume before
     * it fails with a "busy" Err instead of hanging dockerd. Below dockerd's 1-minute deadline for
     * Unmount, Remove, Get and Path (moby volume/drivers proxy: shortTimeout 1 min, longTimeout 2 min
     * for Create and Mount).
     */
    @WithDefault("50s")
    Duration lockTimeout();
}
