package io.dostorage.host;

import io.dostorage.deadline.Deadline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 */
public class FolderHost implements VolumeHost {

    private final Set<Path> mounted = ConcurrentHashMap.newKeySet();
    private final DeviceLinks links;

    /**
     * @param deviceDir where attached volumes' disks appear (setting {@code DEVICE_DIR}): the folder
     *                  stands in for the filesystem only, the attachment is still DigitalOcean's (or
     *                  the emulator's, which links its volumes there too)
     */
    public FolderHost(Path deviceDir) {
        this.links = new DeviceLinks(deviceDir);
    }

    @Override
    public void mount(String name, String fsType, Path target, Deadline deadline) {
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new HostException("creating folder " + target + " for volume " + name + ": " + e, e);
        }
        mounted.add(target.toAbsolutePath().normalize());
    }

    @Override
    public void unmount(Path target) {
        mounted.remove(target.toAbsolutePath().normalize());
    }

    @Override
    public boolean isMounted(Path target) {
        return mounted.contains(target.toAbsolutePath().normalize());
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
}
