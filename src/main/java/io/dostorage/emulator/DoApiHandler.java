package io.dostorage.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * DigitalOcean's API v2 under {@code /v2}, as a client meets it; what each path does is in
 * {@link DoEndpoints}. Each request is counted by its path template, needs a bearer token, may be
 * answered by a {@link Faults fault}, is checked against the {@link ContractCheck} (when one is set)
 * before it is handled, and its answer is checked again before it is sent.
 *
 * <p>Every answer carries DO's {@code ratelimit-limit}, {@code ratelimit-remaining} and
 * {@code ratelimit-reset} headers and a request id ({@code x-request-id}, and {@code request_id} in
 * error bodies). Errors have DO's shape {@code {"id", "message", "request_id"}}.
 */
final class DoApiHandler implements HttpHandler {

    private static final System.Logger LOG = System.getLogger(DoApiHandler.class.getName());

    private final Faults faults;
    private final String token;
    private final ObjectMapper json;
    private final Clock clock;
    private final URI apiUrl;
    private final RateLimitWindow window;
    private final Map<String, Integer> calls = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicReference<UnaryOperator<String>> corruptNext = new AtomicReference<>();
    private final Routes routes;
    private volatile ContractCheck check;

    DoApiHandler(Cloud cloud, Faults faults, String token, ObjectMapper json, Clock clock, URI apiUrl) {
        this.routes = DoEndpoints.routes(cloud);
        this.faults = faults;
        this.token = token;
        this.json = json;
        this.clock = clock;
        this.apiUrl = apiUrl;
        this.window = new RateLimitWindow(clock);
    }

    // ---- the outside: counting, contract, faults ----

    void setContractCheck(ContractCheck check) {
        this.check = check;
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    Map<String, Integer> calls() {
        return new TreeMap<>(calls);
    }

    void resetCalls() {
        calls.clear();
    }

    void corruptNextResponse(UnaryOperator<String> corruption) {
        corruptNext.set(corruption);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            serve(exchange);
        } catch (RuntimeException | IOException e) {
            LOG.log(System.Logger.Level.ERROR, "emulated DO API failed on " + exchange.getRequestURI(), e);
            throw e;
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String pathAndQuery = Exchanges.pathAndQuery(exchange);
        String path = exchange.getRequestURI().getRawPath();
        Routes.Match match = routes.match(method, path);
        calls.merge(method + " " + (match == null ? path : match.template()), 1, Integer::sum);
        Map<String, List<String>> requestHeaders = Exchanges.headers(exchange);
        String requestBody = Exchanges.body(exchange);

        String requestId = UUID.randomUUID().toString();
        Map<String, String> headers = new LinkedHashMap<>();
        RateLimitWindow.Numbers numbers = window.count();
        headers.put("ratelimit-limit", Integer.toString(numbers.limit()));
        headers.put("ratelimit-remaining", Integer.toString(numbers.remaining()));
        headers.put("ratelimit-reset", Long.toString(numbers.resetEpochSecond()));
        headers.put("x-request-id", requestId);

        ContractCheck contract = this.check;
        if (contract != null) {
            List<String> found = contract.request(method, pathAndQuery, requestHeaders, requestBody);
            if (!found.isEmpty()) {
                violations.addAll(found);
                String body = write(Wire.error("bad_request", "contract violation: " + String.join("; ", found),
                        requestId));
                Exchanges.send(exchange, 400, headers, Exchanges.JSON, body);
                return;
            }
        }

        Reply reply = answer(method, match, requestHeaders, requestBody, requestId, exchange, pathAndQuery);
        headers.putAll(reply.headers());
        int status = reply.status();
        String body = reply.body() == null ? "" : write(reply.body());
        UnaryOperator<String> corruption = corruptNext.getAndSet(null);
        if (corruption != null) {
            body = corruption.apply(body);
        }
        if (contract != null) {
            Map<String, List<String>> responseHeaders = new LinkedHashMap<>();
            headers.forEach((name, value) -> responseHeaders.put(name, List.of(value)));
            if (!body.isEmpty()) {
                responseHeaders.put("Content-Type", List.of(Exchanges.JSON));
            }
            List<String> found = contract.response(method, pathAndQuery, status, responseHeaders, body);
            if (!found.isEmpty()) {
                violations.addAll(found);
                status = 500;
                body = write(Wire.error("server_error", "emulator response violates the contract: "
                        + String.join("; ", found), requestId));
            }
        }
        if (status < 300 && !body.isEmpty() && faults.takeTruncatedAnswer()) {
            body = body.substring(0, body.length() / 2); // after the contract check: damage on the way, not DO's
        }
        Exchanges.send(exchange, status, headers, Exchanges.JSON, body);
    }

    private Reply answer(String method, Routes.Match match, Map<String, List<String>> requestHeaders, String body,
                         String requestId, HttpExchange exchange, String pathAndQuery) {
        if (!authorized(requestHeaders)) {
            return error(401, "Unauthorized", DoErrorText.UNAUTHORIZED, requestId);
        }
        Optional<Instant> rateLimitReset = faults.takeRateLimit();
        if (rateLimitReset.isPresent()) {
            long reset = rateLimitReset.get().getEpochSecond();
            // Rounded up: a client that waits Retry-After seconds must not arrive before the reset.
            long retryAfter = Math.max(0, (Duration.between(clock.instant(), rateLimitReset.get()).toMillis() + 999) / 1000);
            Reply limited = error(429, "too_many_requests", DoErrorText.RATE_LIMITED, requestId);
            return new Reply(429, limited.body(), Map.of("ratelimit-remaining", "0",
                    "ratelimit-reset", Long.toString(reset), "Retry-After", Long.toString(retryAfter)));
        }
        OptionalInt serverError = faults.takeServerError();
        if (serverError.isPresent()) {
            return serverError(serverError.getAsInt(), requestId);
        }
        if (match == null) {
            return error(404, "not_found", DoErrorText.NOT_FOUND, requestId);
        }
        if (match.route() == null) {
            return error(405, "method_not_allowed", method + " is not allowed on " + match.template(), requestId);
        }
        try {
            Call call = new Call(json, match.params(), Exchanges.query(exchange.getRequestURI().getRawQuery()), body,
                    baseUrl(requestHeaders), exchange.getRequestURI().getRawPath());
            return match.route().endpoint().handle(call);
        } catch (DoApiError e) {
            return error(e.status(), e.id(), e.getMessage(), requestId);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "emulated DO API failed on " + method + " " + pathAndQuery, e);
            return error(500, "server_error", "emulator failure: " + e, requestId);
        }
    }

    /** DO wants {@code Authorization: Bearer <token>}; anything else is 401 "Unable to authenticate you". */
    private boolean authorized(Map<String, List<String>> requestHeaders) {
        String value = null;
        for (Map.Entry<String, List<String>> header : requestHeaders.entrySet()) {
            if (header.getKey().equalsIgnoreCase("Authorization") && !header.getValue().isEmpty()) {
                value = header.getValue().get(0);
            }
        }
        if (value == null || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        String given = value.substring(7).trim();
        return !given.isEmpty() && (token == null || token.equals(given));
    }

    /** DO's error bodies for server errors; 500's text is DO's (see {@link DoErrorText}), the others are the emulator's. */
    private static Reply serverError(int status, String requestId) {
        return switch (status) {
            case 500 -> error(500, "server_error", DoErrorText.SERVER_ERROR, requestId);
            case 502 -> error(502, "bad_gateway", "Bad Gateway", requestId);
            case 503 -> error(503, "service_unavailable", "The service is temporarily unavailable, please try again.",
                    requestId);
            case 504 -> error(504, "gateway_timeout", "Gateway Timeout", requestId);
            default -> error(status, "server_error", DoErrorText.SERVER_ERROR, requestId);
        };
    }

    private static Reply error(int status, String id, String message, String requestId) {
        return Reply.json(status, Wire.error(id, message, requestId));
    }

    private String baseUrl(Map<String, List<String>> requestHeaders) {
        for (Map.Entry<String, List<String>> header : requestHeaders.entrySet()) {
            if (header.getKey().equalsIgnoreCase("Host") && !header.getValue().isEmpty()) {
                return "http://" + header.getValue().get(0);
            }
        }
        return apiUrl.toString();
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing JSON", e);
        }
    }
}
