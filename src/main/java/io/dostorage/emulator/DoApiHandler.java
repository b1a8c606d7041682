package io.dostorage.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * DigitalOcean's API v2 under {@code /v2}: the volume side, plus droplets, actions, snapshots, tags
 * and the account. Each request is counted by its path template, may be delayed or answered by a
 * {@link Faults fault}, is checked against the {@link ContractCheck} (when one is set) before it is
 * handled, and its answer is checked again before it is sent.
 *
 * <p>Every answer carries DO's {@code ratelimit-limit}, {@code ratelimit-remaining} and
 * {@code ratelimit-reset} headers and a request id ({@code x-request-id}, and {@code request_id} in
 * error bodies). Errors have DO's shape {@code {"id", "message", "request_id"}}.
 */
final class DoApiHandler implements HttpHandler {

    private static final System.Logger LOG = System.getLogger(DoApiHandler.class.getName());
    private static final int DEFAULT_PER_PAGE = 20;
    private static final int MAX_PER_PAGE = 200;
    /** DO's answer to a body its decoder cannot read (from DO's API description, the 400 example). */
    static final String PARSE_ERROR = "error parsing request body";

    private final Cloud cloud;
    private final Faults faults;
    private final String token;
    private final ObjectMapper json;
    private final Clock clock;
    private final URI apiUrl;
    private final RateLimitWindow window;
    private final Map<String, Integer> calls = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicReference<UnaryOperator<String>> corruptNext = new AtomicReference<>();
    private volatile ContractCheck check;
    private final List<Route> routes = new ArrayList<>();

    DoApiHandler(Cloud cloud, Faults faults, String token, ObjectMapper json, Clock clock, URI apiUrl) {
        this.cloud = cloud;
        this.faults = faults;
        this.token = token;
        this.json = json;
        this.clock = clock;
        this.apiUrl = apiUrl;
        this.window = new RateLimitWindow(clock);
        defineRoutes();
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
        Match match = match(method, path);
        calls.merge(method + " " + (match == null ? path : match.template()), 1, Integer::sum);
        Map<String, List<String>> requestHeaders = Exchanges.headers(exchange);
        String requestBody = Exchanges.body(exchange);
        pause(faults.latency());

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
        Exchanges.send(exchange, status, headers, Exchanges.JSON, body);
    }

    private Reply answer(String method, Match match, Map<String, List<String>> requestHeaders, String body,
                         String requestId, HttpExchange exchange, String pathAndQuery) {
        if (!authorized(requestHeaders)) {
            return error(401, "Unauthorized", DoErrorText.UNAUTHORIZED, requestId);
        }
        Optional<Instant> rateLimitReset = faults.takeRateLimit();
        if (rateLimitReset.isPresent()) {
            long reset = rateLimitReset.get().getEpochSecond();
            // Rounded up: a client that waits Retry-After seconds must not arrive before the reset.
            long retryAfter = Math.max(0, (Duration.between(clock.instant(), rateLimitReset.get()).toMillis() + 999) / 1000);
            Reply limited = error(429, "too_many_requests", "API Rate limit exceeded.", requestId);
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
            Call call = new Call(match.params(), Exchanges.query(exchange.getRequestURI().getRawQuery()), body,
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

    /** DO's error bodies for server errors; 500's text is DO's own example, the others are the emulator's. */
    private static Reply serverError(int status, String requestId) {
        return switch (status) {
            case 500 -> error(500, "server_error", "Unexpected server-side error", requestId);
            case 502 -> error(502, "bad_gateway", "Bad Gateway", requestId);
            case 503 -> error(503, "service_unavailable", "The service is temporarily unavailable, please try again.",
                    requestId);
            case 504 -> error(504, "gateway_timeout", "Gateway Timeout", requestId);
            default -> error(status, "server_error", "Unexpected server-side error", requestId);
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

    private static void pause(Duration latency) {
        if (latency.isZero()) {
            return;
        }
        try {
            Thread.sleep(latency.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- routing ----

    interface Endpoint {
        Reply handle(Call call);
    }

    record Route(String method, String template, Endpoint endpoint) {
    }

    /** A path matched to a template; {@code route} is null when the template has no route for the method. */
    record Match(String template, Route route, Map<String, String> params) {
    }

    private void route(String method, String template, Endpoint endpoint) {
        routes.add(new Route(method, template, endpoint));
    }

    /**
     * The most specific template matching the path (more literal segments first, so
     * {@code /v2/volumes/actions} wins over {@code /v2/volumes/{volume_id}}), preferring one with a
     * route for the method.
     */
    private Match match(String method, String rawPath) {
        String[] segments = split(rawPath);
        Match best = null;
        int bestScore = -1;
        for (Route route : routes) {
            Map<String, String> params = matchTemplate(route.template(), segments);
            if (params == null) {
                continue;
            }
            int score = literalScore(route.template()) * 2 + (route.method().equals(method) ? 1 : 0);
            if (score > bestScore) {
                bestScore = score;
                best = new Match(route.template(), route.method().equals(method) ? route : null, params);
            }
        }
        return best;
    }

    private static int literalScore(String template) {
        String[] parts = split(template);
        int score = 0;
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].startsWith("{")) {
                score += 1 << (parts.length - i);
            }
        }
        return score;
    }

    private static Map<String, String> matchTemplate(String template, String[] segments) {
        String[] parts = split(template);
        if (parts.length != segments.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].startsWith("{")) {
                if (segments[i].isEmpty()) {
                    return null;
                }
                params.put(parts[i].substring(1, parts[i].length() - 1), Exchanges.decode(segments[i]));
            } else if (!parts[i].equals(segments[i])) {
                return null;
            }
        }
        return params;
    }

    private static String[] split(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed.split("/", -1);
    }

    // ---- one request ----

    /** The parts of a request an endpoint reads; reading a body field of the wrong type is DO's 400. */
    final class Call {
        private final Map<String, String> params;
        private final Map<String, List<String>> query;
        private final String body;
        private final String baseUrl;
        private final String path;
        private JsonNode parsed;

        Call(Map<String, String> params, Map<String, List<String>> query, String body, String baseUrl, String path) {
            this.params = params;
            this.query = query;
            this.body = body;
            this.baseUrl = baseUrl;
            this.path = path;
        }

        String param(String name) {
            return params.get(name);
        }

        long longParam(String name) {
            try {
                return Long.parseLong(params.get(name));
            } catch (NumberFormatException e) {
                throw DoApiError.notFound();
            }
        }

        String query(String name) {
            List<String> values = query.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        int intQuery(String name, int fallback) {
            String value = query(name);
            if (value == null || value.isEmpty()) {
                return fallback;
            }
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw DoApiError.badRequest("invalid value for " + name + ": " + value);
            }
        }

        JsonNode json() {
            if (parsed == null) {
                try {
                    parsed = body == null || body.isBlank() ? null : DoApiHandler.this.json.readTree(body);
                } catch (JsonProcessingException e) {
                    throw DoApiError.badRequest(PARSE_ERROR);
                }
                if (parsed == null || !parsed.isObject()) {
                    throw DoApiError.badRequest(PARSE_ERROR);
                }
            }
            return parsed;
        }

        String text(String field) {
            JsonNode node = json().get(field);
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isTextual()) {
                throw DoApiError.badRequest(PARSE_ERROR);
            }
            return node.asText();
        }

        Integer integer(String field) {
            JsonNode node = json().get(field);
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw DoApiError.badRequest(PARSE_ERROR);
            }
            return node.intValue();
        }

        Long longValue(String field) {
            JsonNode node = json().get(field);
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                throw DoApiError.badRequest(PARSE_ERROR);
            }
            return node.longValue();
        }

        List<String> strings(String field) {
            JsonNode node = json().get(field);
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isArray()) {
                throw DoApiError.badRequest(PARSE_ERROR);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode item : node) {
                if (!item.isTextual()) {
                    throw DoApiError.badRequest(PARSE_ERROR);
                }
                out.add(item.asText());
            }
            return out;
        }

        /**
         * One page of a list, as DO pages lists: {@code links.pages} has {@code first}/{@code prev}
         * after the first page and {@code next}/{@code last} before the last one, as absolute URLs
         * that keep the other query parameters; {@code links} is empty when all fits one page;
         * {@code meta.total} counts all items. {@code per_page} is clamped to 1..200 (DO's range),
         * a page below 1 reads as page 1.
         */
        <T> ObjectNode page(String key, List<T> items, Function<T, JsonNode> render) {
            int perPage = Math.min(MAX_PER_PAGE, Math.max(1, intQuery("per_page", DEFAULT_PER_PAGE)));
            int page = Math.max(1, intQuery("page", 1));
            int lastPage = Math.max(1, (items.size() + perPage - 1) / perPage);
            ObjectNode out = Wire.object();
            ArrayNode array = out.putArray(key);
            int from = (page - 1) * perPage;
            for (int i = from; i < Math.min(items.size(), from + perPage); i++) {
                array.add(render.apply(items.get(i)));
            }
            ObjectNode links = out.putObject("links");
            if (lastPage > 1) {
                ObjectNode pages = links.putObject("pages");
                if (page > 1) {
                    pages.put("first", pageUrl(1, perPage));
                    pages.put("prev", pageUrl(Math.min(page - 1, lastPage), perPage));
                }
                if (page < lastPage) {
                    pages.put("next", pageUrl(page + 1, perPage));
                    pages.put("last", pageUrl(lastPage, perPage));
                }
            }
            out.putObject("meta").put("total", items.size());
            return out;
        }

        private String pageUrl(int page, int perPage) {
            StringBuilder url = new StringBuilder(baseUrl).append(path).append('?');
            query.forEach((name, values) -> {
                if (!name.equals("page") && !name.equals("per_page")) {
                    for (String value : values) {
                        url.append(encode(name)).append('=').append(encode(value)).append('&');
                    }
                }
            });
            return url.append("page=").append(page).append("&per_page=").append(perPage).toString();
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static ObjectNode wrap(String key, JsonNode value) {
        ObjectNode out = Wire.object();
        out.set(key, value);
        return out;
    }

    // ---- the endpoints ----

    private void defineRoutes() {
        route("GET", "/v2/account", call -> Reply.json(200, wrap("account", Wire.account())));

        route("GET", "/v2/volumes", call -> Reply.json(200,
                call.page("volumes", cloud.volumes(call.query("name"), call.query("region")), Wire::volume)));
        route("POST", "/v2/volumes", call -> Reply.json(201, wrap("volume", Wire.volume(cloud.createVolume(
                new Cloud.NewVolume(call.text("name"), call.integer("size_gigabytes"), call.text("region"),
                        call.text("description"), call.text("snapshot_id"), call.strings("tags"),
                        call.text("filesystem_type"), call.text("filesystem_label")))))));
        route("DELETE", "/v2/volumes", call -> {
            String name = call.query("name");
            String region = call.query("region");
            if (name == null || region == null) {
                throw DoApiError.unprocessable("name and region are required to delete a volume by name");
            }
            cloud.deleteVolume(cloud.volumeByName(name, region).orElseThrow(DoApiError::notFound).id());
            return Reply.noContent();
        });
        route("GET", "/v2/volumes/{volume_id}", call ->
                Reply.json(200, wrap("volume", Wire.volume(cloud.volume(call.param("volume_id"))))));
        route("DELETE", "/v2/volumes/{volume_id}", call -> {
            cloud.deleteVolume(call.param("volume_id"));
            return Reply.noContent();
        });

        route("POST", "/v2/volumes/{volume_id}/actions", call ->
                Reply.json(202, wrap("action", Wire.action(cloud.startAction(call.param("volume_id"), actionOf(call))))));
        route("GET", "/v2/volumes/{volume_id}/actions", call -> Reply.json(200,
                call.page("actions", cloud.volumeActions(call.param("volume_id")), Wire::action)));
        route("GET", "/v2/volumes/{volume_id}/actions/{action_id}", call -> {
            StateDocument.Action action = cloud.action(call.longParam("action_id"));
            if (!action.volumeId().equals(call.param("volume_id"))) {
                throw DoApiError.notFound();
            }
            return Reply.json(200, wrap("action", Wire.action(action)));
        });
        route("POST", "/v2/volumes/actions", call -> {
            String name = call.text("volume_name");
            String region = call.text("region");
            if (name == null || region == null) {
                throw DoApiError.unprocessable("volume_name and region are required to act on a volume by name");
            }
            StateDocument.Volume volume = cloud.volumeByName(name, region).orElseThrow(DoApiError::notFound);
            return Reply.json(202, wrap("action", Wire.action(cloud.startAction(volume.id(), actionOf(call)))));
        });
        route("GET", "/v2/actions/{action_id}", call ->
                Reply.json(200, wrap("action", Wire.action(cloud.action(call.longParam("action_id"))))));

        route("POST", "/v2/volumes/{volume_id}/snapshots", call -> Reply.json(201, wrap("snapshot", Wire.snapshot(
                cloud.createSnapshot(call.param("volume_id"), call.text("name"), call.strings("tags"))))));
        route("GET", "/v2/volumes/{volume_id}/snapshots", call -> Reply.json(200,
                call.page("snapshots", cloud.volumeSnapshots(call.param("volume_id")), Wire::snapshot)));
        route("GET", "/v2/volumes/snapshots/{snapshot_id}", call ->
                Reply.json(200, wrap("snapshot", Wire.snapshot(cloud.snapshot(call.param("snapshot_id"))))));
        route("DELETE", "/v2/volumes/snapshots/{snapshot_id}", call -> {
            cloud.deleteSnapshot(call.param("snapshot_id"));
            return Reply.noContent();
        });
        route("GET", "/v2/snapshots/{snapshot_id}", call ->
                Reply.json(200, wrap("snapshot", Wire.snapshot(cloud.snapshot(call.param("snapshot_id"))))));
        route("DELETE", "/v2/snapshots/{snapshot_id}", call -> {
            cloud.deleteSnapshot(call.param("snapshot_id"));
            return Reply.noContent();
        });

        route("GET", "/v2/droplets", call -> Reply.json(200, call.page("droplets", cloud.droplets(),
                d -> Wire.droplet(d, cloud.attachedVolumeIds(d.id())))));
        route("GET", "/v2/droplets/{droplet_id}", call -> {
            StateDocument.Droplet droplet = cloud.droplet(call.longParam("droplet_id"));
            return Reply.json(200, wrap("droplet", Wire.droplet(droplet, cloud.attachedVolumeIds(droplet.id()))));
        });

        route("GET", "/v2/tags", call -> Reply.json(200, call.page("tags", cloud.tags(), DoApiHandler::tag)));
        route("POST", "/v2/tags", call -> Reply.json(201, wrap("tag", tag(cloud.createTag(call.text("name"))))));
        route("GET", "/v2/tags/{tag_id}", call -> Reply.json(200, wrap("tag", tag(cloud.tag(call.param("tag_id"))))));
        route("DELETE", "/v2/tags/{tag_id}", call -> {
            cloud.deleteTag(call.param("tag_id"));
            return Reply.noContent();
        });
        route("POST", "/v2/tags/{tag_id}/resources", call -> {
            cloud.tagResources(call.param("tag_id"), resourcesOf(call), true);
            return Reply.noContent();
        });
        route("DELETE", "/v2/tags/{tag_id}/resources", call -> {
            cloud.tagResources(call.param("tag_id"), resourcesOf(call), false);
            return Reply.noContent();
        });
    }

    private static Cloud.ActionRequest actionOf(Call call) {
        return new Cloud.ActionRequest(call.text("type"), call.longValue("droplet_id"), call.integer("size_gigabytes"),
                call.text("region"));
    }

    private static List<Cloud.Resource> resourcesOf(Call call) {
        JsonNode resources = call.json().get("resources");
        if (resources == null || !resources.isArray()) {
            throw DoApiError.badRequest(PARSE_ERROR);
        }
        List<Cloud.Resource> out = new ArrayList<>();
        for (JsonNode resource : resources) {
            JsonNode id = resource.get("resource_id");
            JsonNode type = resource.get("resource_type");
            if (id == null || !id.isTextual() || type == null || !type.isTextual()) {
                throw DoApiError.badRequest(PARSE_ERROR);
            }
            out.add(new Cloud.Resource(id.asText(), type.asText()));
        }
        return out;
    }

    private static JsonNode tag(Cloud.TagCounts counts) {
        return Wire.tag(counts.name(), counts.droplets(), counts.volumes(), counts.volumeSnapshots());
    }
}
