package io.dostorage.volume;


import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a Mount does when another droplet holds the volume (a DigitalOcean volume is attached to
 * one droplet at a time). Detaching a volume from a droplet that still runs its container tears
 * the filesystem away from a live database (the seed plugin's caveat), so the default waits for
 * the holder to let go, and detaches by force only when the holder cannot be using it.
 */
enum TakeoverPolicy {

    /** Holder gone or off: detach at once. Holder running: wait for it to release, then detach by force. */
    WAIT,
    /** Detach at once, whatever the holder does (the seed plugin's behaviour). */
    FORCE,
    /** Holder gone: go on. Otherwise wait for it to release, then fail naming the holder; never detach it. */
    NEVER;

    /** The next step, given the holder as DigitalOcean reports it now (empty: the droplet no longer exists). */
    enum Step { DETACH_NOW, WAIT_FOR_RELEASE, FAIL }

    /** The words a setting or an option may give, in this order: wait, force, never. */
    static List<String> words() {
        return Arrays.stream(values()).map(TakeoverPolicy::word).toList();
    }

    static TakeoverPolicy parse(String value) {
        return Arrays.stream(values()).filter(p -> p.word().equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(value));
    }

    String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The first step: before any waiting. */
    Step first(Optional<DoDroplet> holder) {
        if (this == FORCE || holder.isEmpty()) {
            return Step.DETACH_NOW;
        }
        if (isRunning(holder.get())) {
            return Step.WAIT_FOR_RELEASE;
        }
        return this == WAIT ? Step.DETACH_NOW : Step.FAIL;
    }

    /** The step once the wait for the holder to release is over and it still holds the volume. */
    Step afterWaiting() {
        return this == NEVER ? Step.FAIL : Step.DETACH_NOW;
    }

    /** DigitalOcean's droplet states: {@code new} and {@code active} run; {@code off} and {@code archive} do not. */
    private static boolean isRunning(DoDroplet droplet) {
        return "active".equals(droplet.status()) || "new".equals(droplet.status());
    }
}
