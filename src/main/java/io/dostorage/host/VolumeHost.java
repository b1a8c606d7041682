package io.dostorage.host;

import io.dostorage.deadline.Deadline;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * This node's side of a volume: makes a volume's filesystem available at a folder, and takes it
 * away. It is the privileged edge of the plugin (it runs mount tools as root), hence an interface:
 * tests drive the rules against a stateful fake and drive the real implementations separately.
 *
 * <p>Every method is idempotent: mounting what is mounted, or unmounting what is not, does nothing.
 */
public interface VolumeHost {

    /**
     * Makes volume {@code name}'s filesystem available at {@code target}, creating a filesystem of
     * {@code spec}'s type only when the volume holds none, and mounting it with {@code spec}'s options.
     * Waits (for the device) end as soon as {@code deadline} is over; a format or a grow that has
     * started is not cut short (a half-made filesystem is worse than a late answer), the next step is.
     */
    void mount(String name, MountSpec spec, Path target, Deadline deadline);

    /** {@link #mount(String, MountSpec, Path, Deadline)} for work no caller waits on. */
    default void mount(String name, MountSpec spec, Path target) {
        mount(name, spec, target, Deadline.none());
    }

    /**
     * The folder {@code subpath} (relative, checked by the rules) of volume {@code name}, mounted at
     * {@code target}: the folders of it that are missing are made, each getting {@code owner}; those
     * that exist are left as they are, as they hold a user's data.
     */
    Path folder(String name, Path target, String subpath, Ownership owner);

    /** Makes {@code target} a plain folder again; the volume's data stays on the volume. */
    void unmount(Path target);

    boolean isMounted(Path target);

    /** The size and free space of the filesystem mounted at {@code target}; empty when nothing is mounted there. */
    Optional<FilesystemSpace> space(Path target);

    /** The mount points directly below {@code root}, as this host sees them now. */
    List<Path> mountsUnder(Path root);

    /**
     * Whether volume {@code name}'s disk has appeared on this droplet now (DigitalOcean's udev rules
     * link it when an attachment reaches the kernel). Cheap, and it asks DigitalOcean nothing: the
     * rules use it to learn that an attach has arrived without polling DO's action.
     */
    boolean devicePresent(String name);

    /** A short word for the backing, shown in {@code docker volume inspect}. */
    String kind();
}
