package io.dostorage.emulator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Device-mapper devices over the emulator's loop devices, through {@code dmsetup} (Debian package
 * {@code dmsetup}; root and a kernel with device-mapper).
 *
 * <p>Why: on DigitalOcean a detach takes the disk away from the droplet, and whatever still uses it
 * there (a container on a node that was cut off) gets I/O errors from then on. A loop device cannot
 * show that: {@code losetup -d} of a busy loop device only marks it to go when its last user closes
 * it, and until then it reads and writes the backing file as before. So each attachment is a
 * device-mapper {@code linear} device over the volume's loop device, and a detach first replaces its
 * table by the {@code error} target ({@code dmsetup wipe_table}: every later I/O fails), then asks for
 * its removal once its last user lets go ({@code dmsetup remove --deferred}).
 *
 * <p>Names are {@code dostorage-emu-<droplet>-<volume id>}: one per attachment, so two droplets of
 * one emulator never share a device, and leftovers are found by the prefix.
 */
final class DeviceMapper {

    static final String PREFIX = "dostorage-emu-";
    private static final long TIMEOUT_SECONDS = 30;
    private static final int SECTOR = 512;

    /**
     * Why device-mapper cannot be used here ({@code dmsetup targets} fails, or lacks the
     * {@code linear} or {@code error} target), or empty when it can.
     */
    static Optional<String> unavailable() {
        String targets;
        try {
            targets = run("dmsetup", "targets");
        } catch (DeviceException e) {
            return Optional.of(e.getMessage());
        }
        List<String> names = targets.lines().map(l -> l.trim().split("\\s+")[0]).toList();
        for (String needed : List.of("linear", "error")) {
            if (!names.contains(needed)) {
                return Optional.of("`dmsetup targets` lists no " + needed + " target: " + targets.trim());
            }
        }
        return Optional.empty();
    }

    static String name(long dropletId, String volumeId) {
        return PREFIX + dropletId + "-" + volumeId;
    }

    /**
     * The device of {@code name}, a linear map of all of {@code loopDevice} ({@code bytes} long),
     * made when there is none. An existing one that still maps a disk is reused (an emulator
     * restart); one that a detach switched to the error target (a user still holds it open) is
     * renamed out of the way, so this attachment gets a working device of its own.
     */
    Path attach(String name, String loopDevice, long bytes) {
        String table = "0 " + (bytes / SECTOR) + " linear " + loopDevice + " 0";
        if (exists(name)) {
            if (run("dmsetup", "table", name).contains(" linear ")) {
                return path(name);
            }
            run("dmsetup", "rename", name, name + "-gone-" + System.nanoTime());
        }
        run("dmsetup", "create", name, "--table", table);
        // Without udev (a container, a minimal machine) libdevmapper makes the node itself; this makes sure.
        run("dmsetup", "mknodes", name);
        return path(name);
    }

    /**
     * The disk leaves: every later I/O on the device fails, and the device goes as soon as nobody
     * holds it open (at once when nobody does). A device that is not there is fine.
     */
    void cutOff(String name) {
        if (!exists(name)) {
            return;
        }
        run("dmsetup", "wipe_table", name);
        run("dmsetup", "remove", "--deferred", name);
    }

    /** Makes the devices of the volume that map a disk see its new size ({@code bytes}). */
    void resize(String volumeId, String loopDevice, long bytes) {
        for (String name : names()) {
            if (name.endsWith("-" + volumeId) && run("dmsetup", "table", name).contains(" linear ")) {
                run("dmsetup", "reload", name, "--table", "0 " + (bytes / SECTOR) + " linear " + loopDevice + " 0");
                run("dmsetup", "resume", name);
            }
        }
    }

    /** The names of this emulator's devices ({@link #PREFIX}). */
    List<String> names() {
        List<String> out = new ArrayList<>();
        for (String line : run("dmsetup", "ls").split("\n")) {
            String name = line.trim().split("\\s+")[0];
            if (name.startsWith(PREFIX)) {
                out.add(name);
            }
        }
        return out;
    }

    private static boolean exists(String name) {
        try {
            run("dmsetup", "info", name);
            return true;
        } catch (DeviceException e) {
            return false;
        }
    }

    private static Path path(String name) {
        return Path.of("/dev/mapper", name);
    }

    private static String run(String... command) {
        String line = String.join(" ", command);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new DeviceException("`" + line + "` did not finish within " + TIMEOUT_SECONDS + " s");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new DeviceException("`" + line + "` failed (exit " + process.exitValue() + "): "
                        + text.trim().replace('\n', ' '));
            }
            return text;
        } catch (IOException e) {
            throw new DeviceException("`" + line + "` could not run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeviceException("`" + line + "` interrupted", e);
        }
    }
}
