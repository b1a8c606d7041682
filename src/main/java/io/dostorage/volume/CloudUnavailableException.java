package io.dostorage.volume;

/**
 * DigitalOcean cannot serve now, and asking again later may work: it could not be reached, it
 * failed on its side after the retries, its rate limit for the token is spent for longer than a
 * request may wait, or its circuit breaker is open after repeated failures.
 */
public class CloudUnavailableException extends CloudException {

    public CloudUnavailableException(String message, String requestId, Throwable cause) {
        super(message, requestId, cause);
    }
}
