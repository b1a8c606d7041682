package io.dostorage.emulator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Loop devices over backing files, through util-linux {@code losetup} (needs root and
 * {@code /dev/loop-control}). A backing file gets at most one loop device: an existing one (found
 * with {@code losetup -j}, e.g. after an emulator restart) is reused.
 */
final class LoopDevices {

    private static final long TIMEOUT_SECONDS = 30;

    /** Fails with the command and its output when losetup cannot be used here. */
    void check() {
        run("losetup", "--list");
    }

    /** The loop device ({@code /dev/loopN}) backed by {@code file}, set up when there is none. */
    String attach(Path file) {
        Optional<String> existing = find(file).stream().findFirst();
        if (existing.isPresent()) {
            return existing.get();
        }
        String device = run("losetup", "--find", "--show", file.toString()).trim();
        if (!device.startsWith("/dev/")) {
            throw new DeviceException("losetup --find --show " + file + " answered no device: " + device);
        }
        return device;
    }

    /** The loop devices backed by {@code file} ({@code losetup -j}). */
    List<String> find(Path file) {
        List<String> devices = new ArrayList<>();
        for (String line : run("losetup", "-j", file.toString()).split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.startsWith("/dev/")) {
                devices.add(line.substring(0, colon));
            }
        }
        return devices;
    }

    /** Releases every loop device backed by {@code file}. */
    void release(Path file) {
        for (String device : find(file)) {
            run("losetup", "-d", device);
        }
    }

    /** Makes the loop devices of {@code file} see its new size ({@code losetup -c}). */
    void refresh(Path file) {
        for (String device : find(file)) {
            run("losetup", "-c", device);
        }
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
                throw new DeviceException("`" + line + "` failed (exit " + process.exitValue() + "): " + text.trim());
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
