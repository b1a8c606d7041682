package io.dostorage.support;

import io.dostorage.deadline.Deadline;

import io.dostorage.host.FilesystemSpace;
import io.dostorage.host.HostException;
import io.dostorage.host.MountSpec;
import io.dostorage.host.Ownership;
import io.dostorage.host.VolumeHost;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A host with an in-memory mount table, for testing the rules without root. It counts mount and
 * unmount calls, refuses to mount twice on one folder (as a careless real host would stack mounts),
 * and can be told to fail the next mount. It sees no volume's disk, unless it is given where to look
 * ({@link #seeing}). It keeps the spec of each volume's last mount and the ownership of each
 * sub-folder it made, and says every mounted filesystem is 10 GiB with 4 GiB free.
 */
public class FakeVolumeHost implements VolumeHost {

    /** What {@link #space} says of every mounted filesystem. */
    public static final FilesystemSpace SPACE = new FilesystemSpace(10L << 30, 4L << 30);

    private final Map<Path, String> table = new ConcurrentHashMap<>();
    private final Map<String, MountSpec> specs = new ConcurrentHashMap<>();
    private final Map<Path, Ownership> made = new ConcurrentHashMap<>();
    private final Predicate<String> disks;
    private final AtomicInteger mounts = new AtomicInteger();
    private final AtomicInteger unmounts = new AtomicInteger();
    private volatile String failNextMount;

    public FakeVolumeHost() {
        this(name -> false);
    }

    private FakeVolumeHost(Predicate<String> disks) {
        this.disks = disks;
    }

    /** A host that sees the disks {@code disks} says are there. */
    public static FakeVolumeHost withDisks(Predicate<String> disks) {
        return new FakeVolumeHost(disks);
    }

    /** A host on droplet {@code droplet} that sees a volume's disk once the cloud has it attached there, as udev links it. */
    public static FakeVolumeHost seeing(FakeCloud cloud, long droplet) {
        return new FakeVolumeHost(name -> cloud.diskPresent(name, droplet));
    }

    @Override
    public boolean devicePresent(String name) {
        return disks.test(name);
    }

    @Override
    public void mount(String name, MountSpec spec, Path target, Deadline deadline) {
        String failure = failNextMount;
        if (failure != null) {
            failNextMount = null;
            throw new HostException(failure);
        }
        Path key = key(target);
        if (table.putIfAbsent(key, name) != null) {
            throw new AssertionError("mounted twice on " + target);
        }
        try {
            Files.createDirectories(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        specs.put(name, spec);
        mounts.incrementAndGet();
    }

    /** Makes the missing folders, as the real hosts do, and keeps the ownership each would get. */
    @Override
    public Path folder(String name, Path target, String subpath, Ownership owner) {
        Path folder = key(target);
        for (String part : subpath.split("/")) {
            folder = folder.resolve(part);
            if (!Files.isDirectory(folder)) {
                try {
                    Files.createDirectory(folder);
                } catch (IOException e) {
                    throw new HostException("creating sub-folder " + subpath + " on volume " + name + ": " + e);
                }
                made.put(folder, owner);
            }
        }
        return folder;
    }

    @Override
    public Optional<FilesystemSpace> space(Path target) {
        return isMounted(target) ? Optional.of(SPACE) : Optional.empty();
    }

    @Override
    public void unmount(Path target) {
        if (table.remove(key(target)) == null) {
            throw new AssertionError("unmount of " + target + ", which is not mounted");
        }
        unmounts.incrementAndGet();
    }

    @Override
    public boolean isMounted(Path target) {
        return table.containsKey(key(target));
    }

    @Override
    public List<Path> mountsUnder(Path root) {
        Path parent = key(root);
        return new ArrayList<>(table.keySet().stream().filter(p -> parent.equals(p.getParent())).sorted().toList());
    }

    @Override
    public String kind() {
        return "fake";
    }

    /** Puts a mount in the table as if someone else had made it. */
    public void mountedByHand(String name, Path target) {
        table.put(key(target), name);
    }

    public void failNextMount(String message) {
        failNextMount = message;
    }

    /** The spec of volume {@code name}'s last mount. */
    public Optional<MountSpec> lastSpec(String name) {
        return Optional.ofNullable(specs.get(name));
    }

    /** The ownership sub-folder {@code folder} was made with; empty when this host did not make it. */
    public Optional<Ownership> madeWith(Path folder) {
        return Optional.ofNullable(made.get(key(folder)));
    }

    public int mountCalls() {
        return mounts.get();
    }

    public int unmountCalls() {
        return unmounts.get();
    }

    private static Path key(Path path) {
        return path.toAbsolutePath().normalize();
    }
}
