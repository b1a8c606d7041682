package io.dostorage.deadline;

import java.time.Duration;

/**
 * The time one request may take, and whether its caller still waits for it.
 *
 * <p>dockerd gives a volume plugin's Create and Mount 2 minutes and every other call 1 minute (moby
 * {@code volume/drivers/proxy.go}), and a managed plugin's calls only the {@code --timeout} it was
 * enabled with (30 s after a plain {@code docker plugin enable}). When dockerd gives up it closes the
 * connection; the protocol layer then {@linkplain #cancel cancels} the request's deadline. Work that
 * waits (for a lock, another droplet, a DigitalOcean action, a device) sleeps through
 * {@link #sleep}, which wakes at once on a cancel, and checks {@link #check} before each step that
 * changes something, so that a request nobody waits for stops at its next step and undoes what it
 * added. Above all, a volume is never detached by force from another droplet for a caller who left.
 *
 * <p>Thread-safe: the request's worker thread waits on it while the event loop cancels it.
 */
public final class Deadline {

    private final long end;
    private final Duration budget;
    private final Object signal = new Object();
    private volatile String cancelled;

    private Deadline(long end, Duration budget) {
        this.end = end;
        this.budget = budget;
    }

    /** A deadline {@code budget} from now. */
    public static Deadline after(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos(), budget);
    }

    /**
     * For work no caller waits on (recovery, the sweep, release timers, tests): bounded only by the
     * timeouts of each step, and never cancelled by a hang-up.
     */
    public static Deadline none() {
        return new Deadline(Long.MAX_VALUE, null);
    }

    /** The caller left: every wait on this deadline wakes, and the next {@link #check} fails. */
    public void cancel(String reason) {
        synchronized (signal) {
            if (cancelled == null) {
                cancelled = reason;
            }
            signal.notifyAll();
        }
    }

    public boolean isCancelled() {
        return cancelled != null;
    }

    /** True once the deadline has passed or the request was cancelled. */
    public boolean isOver() {
        return isCancelled() || remainingNanos() <= 0;
    }

    /** What is left of the deadline ({@link Duration#ZERO} once passed); very long for {@link #none()}. */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, remainingNanos()));
    }

    /**
     * Fails when the caller left or the deadline passed, before {@code doing} ("detaching volume
     * pgdata from droplet 123 by force") starts.
     *
     * @throws DeadlineException saying which
     */
    public void check(String doing) {
        String reason = cancelled;
        if (reason != null) {
            throw new DeadlineException(true, "stopped before " + doing + ": " + reason);
        }
        if (remainingNanos() <= 0) {
            throw new DeadlineException(false, "stopped before " + doing + ": the request's deadline of "
                    + budget.toSeconds() + "s passed (dockerd's own deadline for this call is about to end)");
        }
    }

    /**
     * Sleeps for {@code pause}, less if the deadline comes first; returns at once when the request is
     * cancelled. Then {@linkplain #check checks} before {@code next}.
     *
     * @throws DeadlineException when the caller left or the deadline passed
     */
    public void sleep(Duration pause, String next) {
        long until = System.nanoTime() + Math.min(pause.toNanos(), Math.max(0, remainingNanos()));
        synchronized (signal) {
            long left;
            while (cancelled == null && (left = until - System.nanoTime()) > 0) {
                try {
                    signal.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DeadlineException(true, "stopped before " + next + ": interrupted");
                }
            }
        }
        check(next);
    }

    private long remainingNanos() {
        return end == Long.MAX_VALUE ? Long.MAX_VALUE : end - System.nanoTime();
    }
}
