package io.dostorage.digitalocean;

import io.dostorage.config.PluginConfig;
import io.dostorage.volume.CloudException;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.faulttolerance.api.BeforeRetry;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.jboss.logging.Logger;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Sends DigitalOcean's HTTP calls, every one through {@link #send}, the one method guarded by fault
 * tolerance, and turns DO's answer into a record or an exception of this package. Policy, per DO's
 * API documentation:
 * <ul>
 *   <li>429, 5xx and network failures ({@link DigitalOceanUnavailableException}) are retried with
 *       exponential back-off and jitter; a 429 waits at least as long as DO's {@code Retry-After}
 *       (seconds, sent with 429s since 2023) or {@code ratelimit-reset} (epoch seconds) says
 *       ({@link RateLimitWait}), and is not retried at all when that is longer than
 *       {@code RATE_LIMIT_MAX_WAIT} (an hourly quota that is spent will not come back within
 *       dockerd's deadline);</li>
 *   <li>other 4xx are never retried: asking again gets the same answer;</li>
 *   <li>one circuit breaker, {@value #BREAKER}, for all of DigitalOcean: after most recent calls
 *       failed it stops calling for a while, so that a DO outage does not turn into a storm of
 *       retries from every node;</li>
 *   <li>each attempt has a timeout.</li>
 * </ul>
 * The order is MicroProfile Fault Tolerance's, whatever the order of the annotations: Retry wraps
 * the CircuitBreaker, which wraps the Timeout. So each attempt of a retry passes the breaker and
 * counts there; once the breaker is open, the next attempt fails at once with
 * {@code CircuitBreakerOpenException}, which is not retried, and the call ends without asking DO.
 *
 * <p>The annotations' values are defaults; MicroProfile config overrides them
 * ({@code io.dostorage.digitalocean.DoCalls/send/Retry/delay=...}).
 */
@ApplicationScoped
class DoCalls {

    private static final Logger LOG = Logger.getLogger(DoCalls.class);

    /** The name of DigitalOcean's one circuit breaker ({@code CircuitBreakerMaintenance} knows it by this name). */
    static final String BREAKER = "digitalocean";

    private final DigitalOceanApi api;
    private final URI baseUrl;
    private final boolean hasToken;
    private final Duration maxRateLimitWait;
    private final Clock clock;

    /** Endpoints are looked up: see {@link Endpoints} for why they are not injected. */
    @Inject
    DoCalls(Instance<Endpoints> endpoints, PluginConfig config, Clock clock) {
        this(endpoints.get(), config, clock);
    }

    DoCalls(Endpoints endpoints, PluginConfig config, Clock clock) {
        this.baseUrl = endpoints.api();
        this.hasToken = endpoints.token().isPresent();
        this.maxRateLimitWait = config.digitalocean().rateLimitMaxWait();
        this.clock = clock;
        ClientRequestFilter bearer = request -> endpoints.token()
                .ifPresent(token -> request.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, "Bearer " + token.reveal()));
        this.api = QuarkusRestClientBuilder.newBuilder()
                .baseUri(baseUrl)
                .register(bearer)
                .disableDefaultMapper(true)
                .connectTimeout(config.digitalocean().connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(config.digitalocean().readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .build(DigitalOceanApi.class);
    }

    /**
     * Sends the request and reads DO's answer.
     *
     * @throws DigitalOceanException when DO answered with an error status, not worth retrying
     * @throws DigitalOceanUnavailableException when DO failed, rate-limited or could not be reached, after the retries
     * @throws CloudException when no access token is set: nothing is sent
     */
    @Retry(maxRetries = 5, delay = 250, jitter = 200, maxDuration = 90, durationUnit = ChronoUnit.SECONDS,
            retryOn = DigitalOceanUnavailableException.class)
    @ExponentialBackoff(factor = 2, maxDelay = 8, maxDelayUnit = ChronoUnit.SECONDS)
    @BeforeRetry(RateLimitWait.class)
    @CircuitBreaker(requestVolumeThreshold = 8, failureRatio = 0.75, delay = 15, delayUnit = ChronoUnit.SECONDS,
            successThreshold = 2, failOn = DigitalOceanUnavailableException.class)
    @CircuitBreakerName(BREAKER)
    @Timeout(value = 20, unit = ChronoUnit.SECONDS)
    <T> T send(DoRequest<T> request) {
        if (!hasToken) {
            throw new CloudException("no DigitalOcean access token: set ACCESS_TOKEN "
                    + "(docker plugin set <plugin> ACCESS_TOKEN=<token>)");
        }
        Response response;
        long started = System.nanoTime();
        try {
            response = request.send().apply(api);
        } catch (ProcessingException e) {
            LOG.debugf("DigitalOcean %s: no answer after %d ms (%s)", request.what(), millisSince(started), rootMessage(e));
            throw new DigitalOceanUnavailableException("cannot reach DigitalOcean at " + baseUrl + ": " + rootMessage(e), e);
        }
        try {
            int status = response.getStatus();
            // Each attempt, retries included, with its status and time: what an operator counts against
            // the token's rate limit. The request's line names method and path only, never a header.
            LOG.debugf("DigitalOcean %s: %d in %d ms", request.what(), status, millisSince(started));
            if (status < 300) {
                return status == 204 ? null : request.read().apply(response);
            }
            throw failure(response);
        } catch (ProcessingException e) {
            throw new DigitalOceanUnavailableException("reading DigitalOcean's answer: " + rootMessage(e), e);
        } finally {
            response.close();
        }
    }

    private RuntimeException failure(Response response) {
        int status = response.getStatus();
        DoWire.Error error = errorBody(response);
        String requestId = Optional.ofNullable(error.requestId()).orElse(response.getHeaderString("x-request-id"));
        String said = Optional.ofNullable(error.message()).filter(m -> !m.isBlank())
                .orElse(response.getStatusInfo().getReasonPhrase());
        String where = " (HTTP " + status + (requestId == null ? "" : ", request id " + requestId) + ")";
        if (status == 401 || status == 403) {
            return new DigitalOceanException(status, error.id(), "DigitalOcean rejected the access token: " + said + where,
                    requestId);
        }
        if (status == 429) {
            Duration wait = rateLimitWait(response);
            if (wait.compareTo(maxRateLimitWait) > 0) {
                return new DigitalOceanException(status, error.id(), "DigitalOcean's rate limit for this access token is "
                        + "used up for " + wait.toSeconds() + "s more; try again later: " + said + where, requestId);
            }
            return new DigitalOceanUnavailableException("DigitalOcean rate limit: " + said + where, requestId, wait);
        }
        if (status >= 500) {
            return new DigitalOceanUnavailableException("DigitalOcean failed: " + said + where, requestId, null);
        }
        return new DigitalOceanException(status, error.id(), said + where, requestId);
    }

    /** How long DO asks us to wait: Retry-After (seconds), else ratelimit-reset (epoch seconds) minus now. */
    private Duration rateLimitWait(Response response) {
        Long retryAfter = number(response.getHeaderString("Retry-After"));
        if (retryAfter != null) {
            return Duration.ofSeconds(Math.max(0, retryAfter));
        }
        Long reset = number(response.getHeaderString("ratelimit-reset"));
        if (reset != null) {
            return Duration.ofSeconds(Math.max(0, reset - clock.instant().getEpochSecond()));
        }
        return Duration.ZERO;
    }

    private static DoWire.Error errorBody(Response response) {
        try {
            return DoWire.Error.from(DoRequest.answer(response));
        } catch (RuntimeException e) {
            return new DoWire.Error(null, null, null);
        }
    }

    private static Long number(String header) {
        if (header == null) {
            return null;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long millisSince(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
