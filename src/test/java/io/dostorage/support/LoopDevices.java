package io.dostorage.support;

import io.dostorage.host.CommandResult;
import io.dostorage.host.CommandRunner;
import io.dostorage.host.ProcessRunner;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Real block devices for tests: sparse files attached as loop devices, and the one place that decides
 * whether this machine can have them. Where it cannot (not root, no loop devices, a tool missing), the
 * test is skipped LOUDLY: a line on standard error saying what was skipped and why, and a JUnit
 * abort, never a silent pass.
 *
 * <p>{@link #close} undoes everything, also after a failed test: it unmounts whatever is mounted under
 * the folders it was given (deepest first) and detaches the loop devices it attached.
 */
public final class LoopDevices implements AutoCloseable {

    private static final CommandRunner RUNNER = new ProcessRunner();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Why this machine has no loop devices for us, or empty when it has; found out once per run. */
    private static volatile Optional<String> missing;

    private final List<Path> attached = new ArrayList<>();
    private final List<Path> folders = new ArrayList<>();
    private final List<Path> backingFolders = new ArrayList<>();

    private LoopDevices() {
    }

    /**
     * Loop devices for {@code test}, or a loud skip of it when this machine cannot attach them or
     * lacks one of {@code tools} ({@code losetup} is always needed).
     */
    public static LoopDevices forTest(String test, String... tools) {
        requireTools(test, tools);
        return new LoopDevices();
    }

    /** Skips {@code test} loudly unless this machine can attach loop devices and has every tool. */
    public static void requireTools(String test, String... tools) {
        Optional<String> reason = machineReason();
        if (reason.isEmpty()) {
            reason = Arrays.stream(tools).filter(tool -> !onPath(tool)).findFirst()
                    .map(tool -> tool + " is not on PATH (" + installHint(tool) + ")");
        }
        if (reason.isPresent()) {
            String message = "SKIPPED " + test + ": needs root, loop devices and " + String.join(", ", tools)
                    + ": " + reason.get();
            System.err.println(message);
            Assumptions.abort(message);
        }
    }

    /** Unmounts everything below {@code folder} on {@link #close}. */
    public LoopDevices unmountUnderOnClose(Path folder) {
        folders.add(folder.toAbsolutePath().normalize());
        return this;
    }

    /**
     * Detaches on {@link #close} every loop device whose backing file lies under {@code folder}: the
     * ones the DigitalOcean emulator attached for its volumes, which it leaves in place by design.
     */
    public LoopDevices detachBackedUnderOnClose(Path folder) {
        backingFolders.add(folder.toAbsolutePath().normalize());
        return this;
    }

    /** A sparse file of {@code bytes} in {@code folder}, all zeros, attached as a loop device; returns {@code /dev/loopN}. */
    public Path blank(Path folder, String fileName, long bytes) {
        Path file = folder.resolve(fileName);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return attach(file);
    }

    /** Attaches {@code file} to a free loop device; returns {@code /dev/loopN}. */
    public Path attach(Path file) {
        Path device = Path.of(run("losetup", "--find", "--show", file.toString()).output().strip());
        attached.add(device);
        return device;
    }

    /** Runs a set-up command; it must succeed. */
    public CommandResult run(String... command) {
        CommandResult result = RUNNER.run(List.of(command), TIMEOUT);
        if (!result.succeeded()) {
            throw new IllegalStateException("test set-up: " + result.failure());
        }
        return result;
    }

    @Override
    public void close() {
        List<String> failures = new ArrayList<>();
        for (Path mount : mountsUnder(folders)) {
            CommandResult result = RUNNER.run(List.of("umount", mount.toString()), TIMEOUT);
            if (!result.succeeded()) {
                failures.add(result.failure());
                // Still in use after the test: detach it from the tree at least, so no mount is left behind.
                RUNNER.run(List.of("umount", "--lazy", mount.toString()), TIMEOUT);
            }
        }
        for (Path device : attached) {
            CommandResult result = RUNNER.run(List.of("losetup", "--detach", device.toString()), TIMEOUT);
            if (!result.succeeded()) {
                failures.add(result.failure());
            }
        }
        attached.clear();
        if (!backingFolders.isEmpty()) {
            CommandResult list = RUNNER.run(List.of("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE"), TIMEOUT);
            for (String line : list.output().split("\n")) {
                String[] fields = line.strip().split("\\s+", 2);
                if (fields.length == 2 && backingFolders.stream().anyMatch(f -> fields[1].startsWith(f.toString()))) {
                    CommandResult result = RUNNER.run(List.of("losetup", "--detach", fields[0]), TIMEOUT);
                    if (!result.succeeded()) {
                        failures.add(result.failure());
                    }
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("cleaning up loop devices: " + String.join("; ", failures));
        }
    }

    private static Optional<String> machineReason() {
        Optional<String> known = missing;
        if (known == null) {
            synchronized (LoopDevices.class) {
                if (missing == null) {
                    missing = findMachineReason();
                }
                known = missing;
            }
        }
        return known;
    }

    private static Optional<String> findMachineReason() {
        try {
            String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: ?").split("\\s+")[2];
            if (!uid.equals("0")) {
                return Optional.of("running as uid " + uid + ", not root");
            }
            if (!Files.exists(Path.of("/dev/loop-control"))) {
                return Optional.of("/dev/loop-control does not exist (no loop driver, or /dev not shared with this container)");
            }
            if (!onPath("losetup")) {
                return Optional.of("losetup is not on PATH (" + installHint("losetup") + ")");
            }
            Path probe = Files.createTempFile("dostorage-loop-probe", ".img");
            try {
                try (RandomAccessFile raf = new RandomAccessFile(probe.toFile(), "rw")) {
                    raf.setLength(1024 * 1024);
                }
                CommandResult attach = RUNNER.run(List.of("losetup", "--find", "--show", probe.toString()), TIMEOUT);
                if (!attach.succeeded()) {
                    return Optional.of("cannot attach a loop device: " + attach.failure());
                }
                RUNNER.run(List.of("losetup", "--detach", attach.output().strip()), TIMEOUT);
            } finally {
                Files.deleteIfExists(probe);
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of("cannot tell: " + e);
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(":")).filter(d -> !d.isEmpty())
                .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static String installHint(String tool) {
        return switch (tool) {
            case "mkfs.xfs", "xfs_io" -> "apt-get install xfsprogs";
            case "sfdisk" -> "apt-get install fdisk";
            case "mkfs.ext4", "e2fsck", "debugfs", "tune2fs", "dumpe2fs" -> "apt-get install e2fsprogs";
            case "sync" -> "apt-get install coreutils";
            default -> "apt-get install util-linux";
        };
    }

    /** The mount points under {@code folders}, deepest and latest first: the order they can be unmounted in. */
    private static List<Path> mountsUnder(List<Path> folders) {
        List<Path> mounts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] fields = line.split(" ");
                if (fields.length > 4) {
                    Path point = Path.of(unescape(fields[4]));
                    if (folders.stream().anyMatch(f -> point.startsWith(f) && !point.equals(f))) {
                        mounts.add(point);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Path> order = new ArrayList<>(mounts);
        Collections.reverse(order);
        order.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return order;
    }

    /** mountinfo's octal escapes (proc.rst: {@code \040} for a space, and so on). */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            if (field.charAt(i) == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(field.charAt(i));
            }
        }
        return out.toString();
    }
}
