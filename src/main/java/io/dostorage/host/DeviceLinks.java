package io.dostorage.host;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where DigitalOcean volumes appear on a droplet: DO's udev rules link each attached volume as
 * {@code <dir>/scsi-0DO_Volume_<name>} (the SCSI serial of the disk is the volume's name), in
 * {@code /dev/disk/by-id} on a droplet (setting {@code DEVICE_DIR}). The emulator's device hook makes
 * the same links in a droplet's device folder.
 *
 * <p>Checking a link is one {@code stat}: no DigitalOcean call, no privilege. That makes it the cheap
 * way to learn that an attachment has reached this droplet, see {@link VolumeHost#devicePresent}.
 */
final class DeviceLinks {

    /** The name DigitalOcean's udev rules give a volume's link, before the volume's name. */
    static final String PREFIX = "scsi-0DO_Volume_";

    private final Path dir;

    DeviceLinks(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** The folder the links are in. */
    Path dir() {
        return dir;
    }

    /** The link volume {@code name} appears as when it is attached here. */
    Path of(String name) {
        return dir.resolve(PREFIX + name);
    }

    /**
     * True when volume {@code name}'s link leads to something now. A link that leads nowhere counts as
     * absent: udev may make the link before the device node is ready, and it outlives a device that is
     * going away.
     */
    boolean present(String name) {
        return Files.exists(of(name));
    }
}
