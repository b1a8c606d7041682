package io.dostorage.emulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The numbers of DO's rate-limit headers: 5000 requests per hour; {@code ratelimit-remaining} is
 * what is left of the last hour, {@code ratelimit-reset} when the oldest request in it expires
 * (epoch seconds), as DO's API description explains them. The emulator reports but does not
 * enforce the limit (and not the 250-per-minute burst limit either): 429s come only from
 * {@link Faults#rateLimited}.
 */
final class RateLimitWindow {

    static final int LIMIT = 5000;
    private static final Duration WINDOW = Duration.ofHours(1);

    private final Clock clock;
    private final Deque<Instant> requests = new ArrayDeque<>();

    RateLimitWindow(Clock clock) {
        this.clock = clock;
    }

    record Numbers(int limit, int remaining, long resetEpochSecond) {
    }

    /** Counts one request and answers the numbers to report with it. */
    synchronized Numbers count() {
        Instant now = clock.instant();
        while (!requests.isEmpty() && !requests.peekFirst().plus(WINDOW).isAfter(now)) {
            requests.removeFirst();
        }
        requests.addLast(now);
        while (requests.size() > LIMIT) {
            requests.removeFirst();
        }
        int remaining = Math.max(0, LIMIT - requests.size());
        return new Numbers(LIMIT, remaining, requests.peekFirst().plus(WINDOW).getEpochSecond());
    }
}
