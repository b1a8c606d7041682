package io.dostorage.emulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Trouble the emulated API can be told to make, to test how a client copes. Counted faults apply
 * to the next authenticated DigitalOcean API requests (not to metadata or admin calls); a 401 does
 * not use one up. Safe to change from any thread while requests run.
 */
public final class Faults {

    private final Clock clock;
    private int rateLimited;
    private Instant rateLimitResetAt;
    private int serverErrors;
    private int serverErrorStatus;
    private int erroredActions;
    private int truncatedAnswers;

    Faults(Clock clock) {
        this.clock = clock;
    }

    /**
     * The next {@code requests} requests answer 429 {@code too_many_requests} with
     * {@code ratelimit-remaining: 0}, {@code ratelimit-reset} = now + {@code resetIn} (epoch seconds,
     * fixed now) and {@code Retry-After} = the seconds left until then, as DO does since 2023.
     */
    public synchronized Faults rateLimited(int requests, Duration resetIn) {
        if (requests < 0) {
            throw new IllegalArgumentException("requests must not be negative: " + requests);
        }
        Objects.requireNonNull(resetIn, "resetIn");
        this.rateLimited = requests;
        this.rateLimitResetAt = clock.instant().plus(resetIn);
        return this;
    }

    /** The next {@code requests} requests answer {@code status} (500..599) with DO's error body. */
    public synchronized Faults serverErrors(int requests, int status) {
        if (requests < 0) {
            throw new IllegalArgumentException("requests must not be negative: " + requests);
        }
        if (status < 500 || status > 599) {
            throw new IllegalArgumentException("a server error status is 500..599, not " + status);
        }
        this.serverErrors = requests;
        this.serverErrorStatus = status;
        return this;
    }

    /** The next {@code actions} volume actions are accepted but end "errored", with no effect. */
    public synchronized Faults erroredActions(int actions) {
        if (actions < 0) {
            throw new IllegalArgumentException("actions must not be negative: " + actions);
        }
        this.erroredActions = actions;
        return this;
    }

    /**
     * The next {@code requests} successful answers that have a body arrive cut in half: a whole HTTP
     * answer (status, headers, a length that fits) whose JSON ends early, as from a proxy or a
     * connection that failed midway. Not a contract violation of DO's: damage on the way.
     */
    public synchronized Faults truncatedAnswers(int requests) {
        if (requests < 0) {
            throw new IllegalArgumentException("requests must not be negative: " + requests);
        }
        this.truncatedAnswers = requests;
        return this;
    }

    /** No more faults. */
    public synchronized Faults clear() {
        rateLimited = 0;
        rateLimitResetAt = null;
        serverErrors = 0;
        erroredActions = 0;
        truncatedAnswers = 0;
        return this;
    }

    /** Uses up one rate-limited request: the instant the limit resets, or empty when none is due. */
    synchronized Optional<Instant> takeRateLimit() {
        if (rateLimited == 0) {
            return Optional.empty();
        }
        rateLimited--;
        return Optional.of(rateLimitResetAt);
    }

    /** Uses up one server error: its status, or empty when none is due. */
    synchronized OptionalInt takeServerError() {
        if (serverErrors == 0) {
            return OptionalInt.empty();
        }
        serverErrors--;
        return OptionalInt.of(serverErrorStatus);
    }

    /** Uses up one truncated answer: true when the answer being sent must be cut. */
    synchronized boolean takeTruncatedAnswer() {
        if (truncatedAnswers == 0) {
            return false;
        }
        truncatedAnswers--;
        return true;
    }

    /** Uses up one errored action: true when the action being started must end "errored". */
    synchronized boolean takeErroredAction() {
        if (erroredActions == 0) {
            return false;
        }
        erroredActions--;
        return true;
    }
}
