package io.dostorage.digitalocean;

import java.time.Duration;
import java.util.Optional;

/**
 * A failure worth trying again, and the only one {@link DoCalls} retries and its circuit breaker
 * counts: DigitalOcean rate-limited the call (429) for less than {@code RATE_LIMIT_MAX_WAIT}, failed
 * on its side (5xx), or could not be reached or read at all.
 */
class DigitalOceanUnavailableException extends RuntimeException {

    private final String requestId;
    private final Duration retryAfter;

    DigitalOceanUnavailableException(String message, String requestId, Duration retryAfter) {
        super(message);
        this.requestId = requestId;
        this.retryAfter = retryAfter;
    }

    DigitalOceanUnavailableException(String message, Throwable cause) {
        super(message, cause);
        this.requestId = null;
        this.retryAfter = null;
    }

    /** DigitalOcean's id of the failed request; null when there was no answer. */
    String requestId() {
        return requestId;
    }

    /** How long DigitalOcean asked us to wait, when it said so. */
    Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
