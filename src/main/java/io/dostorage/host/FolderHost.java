package io.dostorage.host;

import io.dostorage.deadline.Deadline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A volume backed by a plain folder: the folder {@code <target>} itself holds the data, and
 * "mounted" is a mark this process keeps in memory. It needs no root and no block device, which is
 * what dev mode uses ({@code MOUNTER=folder}); it changes nothing that a real mount would not (the
 * folder and its files stay when the volume is unmounted).
 *
 * <p>Like a real mount table after a reboot, the marks are lost when the process ends; the
 * start-up reconciliation mounts again every volume that still has references.
 *
 * <p>Mount options mean nothing to a folder and are ignored. The folder it makes for a volume (its
 * stand-in for a new filesystem) and the sub-folders it makes get the volume's mode; its owner and group
 * only when this process runs as root, as only root may give a file away (chown(2)); dev mode runs as
 * the developer, so there the folders stay theirs.
 */
public class FolderHost implements VolumeHost {

    private final Set<Path> mounted = ConcurrentHashMap.newKeySet();
    private final DeviceLinks links;
    private final boolean root;

    /**
     * @param deviceDir where attached volumes' disks appear (setting {@code DEVICE_DIR}): the folder
     *                  stands in for the filesystem only, the attachment is still DigitalOcean's (or
     *                  the emulator's, which links its volumes there too)
     */
    public FolderHost(Path deviceDir) {
        this.links = new DeviceLinks(deviceDir);
        this.root = runsAsRoot();
    }

    @Override
    public void mount(String name, MountSpec spec, Path target, Deadline deadline) {
        try {
            boolean made = !Files.isDirectory(target);
            Files.createDirectories(target);
            if (made) {
                spec.owner().applyTo(target, root);
            }
        } catch (IOException e) {
            throw new HostException("creating folder " + target + " for volume " + name + ": " + e, e);
        }
        mounted.add(target.toAbsolutePath().normalize());
    }

    @Override
    public Path folder(String name, Path target, String subpath, Ownership owner) {
        try {
            return owner.makeFolders(target, subpath, root);
        } catch (IOException e) {
            throw new HostException("creating sub-folder " + subpath + " on volume " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void unmount(Path target) {
        mounted.remove(target.toAbsolutePath().normalize());
    }

    @Override
    public boolean isMounted(Path target) {
        return mounted.contains(target.toAbsolutePath().normalize());
    }

    /** The filesystem the folder lives on: what a container writing there would fill. */
    @Override
    public Optional<FilesystemSpace> space(Path target) {
        return isMounted(target) ? FilesystemSpace.of(target) : Optional.empty();
    }

    @Override
    public List<Path> mountsUnder(Path root) {
        Path parent = root.toAbsolutePath().normalize();
        return mounted.stream().filter(p -> parent.equals(p.getParent())).sorted().toList();
    }

    @Override
    public boolean devicePresent(String name) {
        return links.present(name);
    }

    @Override
    public String kind() {
        return "folder";
    }

    /** The owner of {@code /proc/self} is this process's effective user (proc(5)); without procfs, not root. */
    private static boolean runsAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
