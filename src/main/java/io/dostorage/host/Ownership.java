package io.dostorage.host;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The owner, group and permissions the plugin gives a folder it makes for a volume: a new filesystem's
 * root, or a new sub-folder ({@code -o subpath}). A folder that was there already holds a user's data
 * and is never changed.
 *
 * @param uid  the owner's user id (0 to 2147483647), or null to leave the owner as made (root)
 * @param gid  the group id (0 to 2147483647), or null to leave the group as made
 * @param mode the permission bits, {@code chmod(2)}'s {@code 07777} at most (set-user-ID, set-group-ID
 *             and sticky included), or null to leave them as made
 */
public record Ownership(Integer uid, Integer gid, Integer mode) {

    /** Nothing to change. */
    public static final Ownership NONE = new Ownership(null, null, null);

    public Ownership {
        if (uid != null && uid < 0 || gid != null && gid < 0) {
            throw new IllegalArgumentException("uid and gid must be 0 to 2147483647, not " + uid + ":" + gid);
        }
        if (mode != null && (mode < 0 || mode > 07777)) {
            throw new IllegalArgumentException("mode must be 0000 to 7777 (octal), not " + Integer.toOctalString(mode));
        }
    }

    /** Whether there is anything to change. */
    public boolean isNone() {
        return uid == null && gid == null && mode == null;
    }

    /**
     * Gives {@code folder} this ownership: owner and group first, then the mode, as chown(2) may clear
     * the set-user-ID and set-group-ID bits. Through the JDK's "unix" attribute view, which calls
     * chown(2) and chmod(2): no program is run.
     *
     * @param chown whether the owner and group may be changed; only root may give a file away
     *              (chown(2): "Only a privileged process (Linux: one with the CAP_CHOWN capability) may
     *              change the owner of a file"; the managed plugin has it among Docker's default container
     *              capabilities), so a host that runs without root gives the mode only
     */
    void applyTo(Path folder, boolean chown) throws IOException {
        if (chown && uid != null) {
            Files.setAttribute(folder, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        }
        if (chown && gid != null) {
            Files.setAttribute(folder, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        }
        if (mode != null) {
            Files.setAttribute(folder, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
        }
    }

    /**
     * Whether {@code root}, a filesystem's root, is as mkfs leaves it: owned by root:root with mode
     * 0755, holding nothing but ext2/3/4's {@code lost+found} (mke2fs(8) and mkfs.xfs(8) make the root so).
     * Such a root holds nothing of anyone's, so giving it the owner asked for changes no data: this is
     * how a Mount finishes what an earlier one began when it stopped between the mkfs and the mount (its
     * caller's deadline passed, the mount failed, the plugin crashed), which would otherwise leave a
     * container that runs as {@code uid} a root it may not write to, for good.
     */
    static boolean asMade(Path root) throws IOException {
        Map<String, Object> attributes = Files.readAttributes(root, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
        if ((Integer) attributes.get("uid") != 0 || (Integer) attributes.get("gid") != 0
                || ((Integer) attributes.get("mode") & 07777) != 0755) {
            return false;
        }
        try (Stream<Path> entries = Files.list(root)) {
            return entries.allMatch(entry -> entry.getFileName().toString().equals("lost+found"));
        }
    }

    /**
     * {@code base/relative}, making the folders of it that are missing, each one made getting this
     * ownership (so that {@code pg/data} made afresh is all the container's); folders that exist are
     * left as they are. A part that exists must be a folder itself, not a symbolic link: dockerd
     * bind-mounts the path it is handed, following links, so a link a container left in the volume
     * (say {@code data -> /}) would hand the next container a folder of the host.
     *
     * @param relative a relative path of plain parts (no {@code .}, {@code ..} or empty parts: the
     *                 rules check {@code subpath} before it gets here)
     */
    Path makeFolders(Path base, String relative, boolean chown) throws IOException {
        Path folder = base;
        for (String part : relative.split("/")) {
            folder = folder.resolve(part);
            if (Files.isSymbolicLink(folder)) {
                throw new IOException(folder + " is a symbolic link (to " + Files.readSymbolicLink(folder)
                        + "); a sub-folder handed to containers must be a folder of the volume itself");
            }
            if (Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                Files.createDirectory(folder);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException(folder + " exists and is not a folder", e);
                }
                continue; // made meanwhile by someone else: theirs, not ours to change
            }
            applyTo(folder, chown);
        }
        return folder;
    }

    @Override
    public String toString() {
        return "uid " + (uid == null ? "-" : uid) + ", gid " + (gid == null ? "-" : gid) + ", mode "
                + (mode == null ? "-" : String.format("%04o", mode));
    }
}
