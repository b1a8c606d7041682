package io.dostorage.host;

import java.nio.file.Path;
import java.util.List;

/**
 * One line of {@code /proc/<pid>/mountinfo}: one mount, as the kernel documents it in
 * Documentation/filesystems/proc.rst ("3.5 /proc/&lt;pid&gt;/mountinfo"). Paths and the source are
 * given unescaped.
 *
 * @param mountId        unique id of the mount (may be reused after an unmount)
 * @param parentId       id of the parent mount (its own id at the top of the tree)
 * @param major          major number of {@code st_dev} of files on this filesystem: for a filesystem
 *                       on a block device (ext4, xfs) the device's own number
 * @param minor          minor number, likewise
 * @param root           the folder of the filesystem that is mounted here ({@code /} unless a bind
 *                       mount of a sub-folder)
 * @param mountPoint     where it is mounted, relative to the process's root
 * @param mountOptions   per-mount options ({@code rw,relatime})
 * @param optionalFields zero or more {@code tag[:value]} fields ({@code shared:1}, {@code master:2})
 * @param fsType         filesystem type, {@code type[.subtype]}
 * @param source         filesystem-specific source ({@code /dev/sda}, {@code tmpfs}, {@code none})
 * @param superOptions   per-superblock options
 */
record MountEntry(int mountId, int parentId, int major, int minor, String root, Path mountPoint,
                  String mountOptions, List<String> optionalFields, String fsType, String source,
                  String superOptions) {

    MountEntry {
        optionalFields = List.copyOf(optionalFields);
    }

    /** {@code major:minor}, as mountinfo writes it. */
    String device() {
        return major + ":" + minor;
    }
}
