package io.dostorage.volume;

import io.dostorage.deadline.Deadline;
import io.dostorage.deadline.DeadlineException;
import io.dostorage.host.HostException;
import io.dostorage.state.StateException;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per volume name: operations on one volume run one at a time, operations on different
 * volumes run side by side. A waiter gives up after a bounded time, or as soon as its request is
 * over (its caller left), so a stuck operation makes later requests fail with a clear message
 * instead of hanging dockerd. Names are checked before they get here, so the map is bounded by the
 * volumes this node has seen.
 */
final class VolumeLocks {

    /** How often a waiter looks whether its caller is still there. */
    private static final long SLICE_MILLIS = 100;

    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Duration timeout;

    VolumeLocks(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * Runs {@code work} under the volume's lock, and turns a failure of a layer below (the state, the
     * host, DigitalOcean, the request's deadline) into one message: "mounting volume pgdata: <cause>".
     * A {@link VolumeException} passes as it is: it says what failed already.
     */
    <T> T operation(String name, String doing, Deadline deadline, Supplier<T> work) {
        try {
            return withLock(name, doing, deadline, () -> {
                try {
                    return work.get();
                } catch (StateException | HostException | CloudException e) {
                    throw new VolumeException(doing + " volume " + name + ": " + e.getMessage(), e);
                }
            });
        } catch (DeadlineException e) {
            throw new VolumeException(doing + " volume " + name + ": " + e.getMessage(), e);
        }
    }

    private <T> T withLock(String name, String doing, Deadline deadline, Supplier<T> work) {
        ReentrantLock lock = locks.computeIfAbsent(name, n -> new ReentrantLock(true));
        long end = System.nanoTime() + timeout.toNanos();
        try {
            while (!lock.tryLock(SLICE_MILLIS, TimeUnit.MILLISECONDS)) {
                deadline.check(doing + " volume " + name + " (waiting for another operation on it)");
                if (System.nanoTime() - end > 0) {
                    throw new VolumeBusyException(doing + " volume " + name + ": another operation on it has been running for over "
                            + timeout.toSeconds() + "s; try again later");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeBusyException(doing + " volume " + name + ": interrupted while waiting for another operation on it");
        }
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }
}
