package io.dostorage.digitalocean;

import java.time.Duration;
import java.util.Optional;

/**
 * A failure worth trying again: DO rate-limited the call (429), failed on its side (5xx), or could
 * not be reached. {@link #retryAfter()} is how long DO asked us to wait, when it said so.
 */
public class DigitalOceanUnavailableException extends DigitalOceanException {

    private final Duration retryAfter;

    DigitalOceanUnavailableException(int status, String errorId, String message, String requestId, Duration retryAfter) {
        super(status, errorId, message, requestId);
        this.retryAfter = retryAfter;
    }

    DigitalOceanUnavailableException(String message, Throwable cause) {
        super(message, cause);
        this.retryAfter = null;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
