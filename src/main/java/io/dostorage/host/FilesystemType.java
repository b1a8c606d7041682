package io.dostorage.host;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The filesystems this plugin makes on a blank volume, and how.
 *
 * <p>Neither command is told to force: {@code mkfs.xfs} without {@code -f} refuses a device that holds
 * any signature (mkfs.xfs(8)), a second guard after the probe. {@code mke2fs} asks before overwriting
 * a filesystem only on a terminal, so for ext4 the probe is the only guard. Both are told not to
 * discard the device's blocks first ({@code -E nodiscard}, mke2fs(8); {@code -K}, mkfs.xfs(8)): a
 * blank volume has nothing to discard, on a large network volume a discard pass can take minutes, and
 * a format should write as little as it can.
 */
enum FilesystemType {

    EXT4("ext4", "mkfs.ext4", "-E", "nodiscard"),
    XFS("xfs", "mkfs.xfs", "-K");

    private final String name;
    private final List<String> mkfs;

    FilesystemType(String name, String... mkfs) {
        this.name = name;
        this.mkfs = List.of(mkfs);
    }

    /** The type called {@code name} ({@code ext4} or {@code xfs}). */
    static FilesystemType named(String name) {
        return Arrays.stream(values()).filter(t -> t.name.equals(name)).findFirst()
                .orElseThrow(() -> new HostException("filesystem type " + (name == null ? "(none)" : "'" + name + "'")
                        + " is not one this plugin makes; use one of " + Arrays.stream(values())
                        .map(FilesystemType::toString).collect(Collectors.joining(", "))));
    }

    /** The command that makes this filesystem on {@code device}. */
    List<String> mkfsCommand(Path device) {
        return concat(mkfs, device.toString());
    }

    String program() {
        return mkfs.get(0);
    }

    @Override
    public String toString() {
        return name;
    }

    private static List<String> concat(List<String> head, String last) {
        List<String> all = new ArrayList<>(head);
        all.add(last);
        return List.copyOf(all);
    }
}
