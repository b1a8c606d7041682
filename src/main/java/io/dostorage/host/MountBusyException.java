package io.dostorage.host;

/**
 * {@code umount} refused because something still uses the mount (a process with an open file or its
 * working folder there). The volume stays mounted and its data is safe; unmounting again after the
 * user has gone works. It is never forced or made lazy: a lazy unmount would detach the folder while
 * writers still write, and the device could then be detached under them.
 */
public class MountBusyException extends HostException {

    MountBusyException(String message) {
        super(message);
    }
}
