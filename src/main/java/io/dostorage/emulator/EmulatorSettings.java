package io.dostorage.emulator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link DoEmulator} runs.
 *
 * @param port                  TCP port on 127.0.0.1; 0 picks a free one
 * @param stateFile             where all state is kept as JSON (written after every change); null keeps it in memory only
 * @param backingDir            where the backing files of volumes live; null makes a temporary folder
 * @param actionDelay           how long a volume action stays "in-progress" before it completes and takes effect
 * @param token                 the one bearer token accepted; null accepts any non-empty token
 * @param volumeLimitPerDroplet how many volumes one droplet may have attached (DO's API description: "up to fifteen")
 * @param loopDevices           back each attached volume by a loop device (needs root), so the device link points at a
 *                              real block device; false points the link at the backing file itself
 * @param deviceMapper          with loop devices: put each attachment on a device-mapper device over the loop device,
 *                              which a detach switches to the error target (I/O errors on the old droplet, as on
 *                              DigitalOcean); where device-mapper cannot be had, plain loop devices, said loudly at start
 * @param bindAddress           the address to listen on: 127.0.0.1, or e.g. a bridge address that test hosts in network
 *                              namespaces reach
 */
public record EmulatorSettings(int port, Path stateFile, Path backingDir, Duration actionDelay, String token,
                               int volumeLimitPerDroplet, boolean loopDevices, boolean deviceMapper, String bindAddress) {

    /** DigitalOcean's limit since August 2024, per its API description ("up to fifteen volumes"). */
    public static final int DO_VOLUME_LIMIT = 15;

    public EmulatorSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        Objects.requireNonNull(actionDelay, "actionDelay");
        if (actionDelay.isNegative()) {
            throw new IllegalArgumentException("actionDelay must not be negative, was " + actionDelay);
        }
        if (volumeLimitPerDroplet < 1) {
            throw new IllegalArgumentException("volumeLimitPerDroplet must be at least 1, was " + volumeLimitPerDroplet);
        }
        Objects.requireNonNull(bindAddress, "bindAddress");
        if (token != null && token.isBlank()) {
            throw new IllegalArgumentException("token must be null (any token) or not blank");
        }
    }

    /**
     * Port 0 on 127.0.0.1, in memory, a temporary backing folder, 50 ms actions, any token, 15 volumes per droplet, no
     * loop devices, no device-mapper.
     */
    public static EmulatorSettings defaults() {
        return new EmulatorSettings(0, null, null, Duration.ofMillis(50), null, DO_VOLUME_LIMIT, false, false, "127.0.0.1");
    }

    public EmulatorSettings withPort(int port) {
        return new EmulatorSettings(port, stateFile, backingDir, actionDelay, token, volumeLimitPerDroplet, loopDevices,
                deviceMapper, bindAddress);
    }

    public EmulatorSettings withStateFile(Path stateFile) {
        return new EmulatorSettings(port, stateFile, backingDir, actionDelay, token, volumeLimitPerDroplet, loopDevices,
                deviceMapper, bindAddress);
    }

    public EmulatorSettings withBackingDir(Path backingDir) {
        return new EmulatorSettings(port, stateFile, backingDir, actionDelay, token, volumeLimitPerDroplet, loopDevices,
                deviceMapper, bindAddress);
    }

    public EmulatorSettings withActionDelay(Duration actionDelay) {
        return new EmulatorSettings(port, stateFile, backingDir, actionDelay, token, volumeLimitPerDroplet, loopDevices,
                deviceMapper, bindAddress);
    }

    public EmulatorSettings withToken(String token) {
        return new EmulatorSettings(port, stateFile, backingDir, actionDelay, token, volumeLimitPerDroplet, loopDevices,
                deviceMapper, bindAddress);
    }

    public EmulatorSettings withLoopDevices(boolean loopDevices) {
        return new EmulatorSettings(port, stateFile, backingDir, actionDelay, token, volumeLimitPerDroplet, loopDevices,
                deviceMapper, bindAddress);
    }

    public EmulatorSettings withVolumeLimit(int volumeLimitPerDroplet) {
        return new EmulatorSettings(port, stateFile, backingDir, actionDelay, token, volumeLimitPerDroplet, loopDevices,
                deviceMapper, bindAddress);
    }

    public EmulatorSettings withDeviceMapper(boolean deviceMapper) {
        return new EmulatorSettings(port, stateFile, backingDir, actionDelay, token, volumeLimitPerDroplet, loopDevices,
                deviceMapper, bindAddress);
    }

    public EmulatorSettings withBindAddress(String bindAddress) {
        return new EmulatorSettings(port, stateFile, backingDir, actionDelay, token, volumeLimitPerDroplet, loopDevices,
                deviceMapper, bindAddress);
    }

    /** The token is a secret of whoever configures the emulator: never printed. */
    @Override
    public String toString() {
        return "EmulatorSettings[port=" + port + ", stateFile=" + stateFile + ", backingDir=" + backingDir
                + ", actionDelay=" + actionDelay + ", token=" + (token == null ? "any" : "***")
                + ", volumeLimitPerDroplet=" + volumeLimitPerDroplet + ", loopDevices=" + loopDevices
                + ", deviceMapper=" + deviceMapper + ", bindAddress=" + bindAddress + "]";
    }
}
