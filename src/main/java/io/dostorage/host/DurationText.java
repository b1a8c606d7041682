package io.dostorage.host;

import java.time.Duration;

/** Durations as people write them in messages: {@code 250ms}, {@code 2s}, {@code 1.5s}, {@code 10m}. */
final class DurationText {

    private DurationText() {
    }

    static String of(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
    }
}
