package io.dostorage.volume;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per volume name: operations on one volume run one at a time, operations on different
 * volumes run side by side. A waiter gives up after a bounded time, so a stuck operation makes
 * later requests fail with a clear message instead of hanging dockerd. Names are checked before
 * they get here, so the map is bounded by the volumes this node has seen.
 */
final class VolumeLocks {

    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Duration timeout;

    VolumeLocks(Duration timeout) {
        this.timeout = timeout;
    }

    <T> T withLock(String name, String doing, Supplier<T> work) {
        ReentrantLock lock = locks.computeIfAbsent(name, n -> new ReentrantLock(true));
        try {
            if (!lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new VolumeBusyException(doing + " volume " + name + ": another operation on it has been running for over "
                        + timeout.toSeconds() + "s; try again later");
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
