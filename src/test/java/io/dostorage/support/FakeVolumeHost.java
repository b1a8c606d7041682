package io.dostorage.support;

import io.dostorage.deadline.Deadline;

import io.dostorage.host.HostException;
import io.dostorage.host.VolumeHost;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A host with an in-memory mount table, for testing the rules without root. It counts mount and
 * unmount calls, refuses to mount twice on one folder (as a careless real host would stack mounts),
 * and can be told to fail the next mount. It sees no volume's disk, unless it is given where to look
 * ({@link #seeing}).
 */
public class FakeVolumeHost implements VolumeHost {

    private final Map<Path, String> table = new ConcurrentHashMap<>();
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
    public void mount(String name, String fsType, Path target, Deadline deadline) {
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
        mounts.incrementAndGet();
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
