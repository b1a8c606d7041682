package io.dostorage.emulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The path templates of the emulated API ({@code /v2/volumes/{volume_id}/actions}) and what answers
 * each method on them; a request path is matched to the most specific template.
 */
final class Routes {

    interface Endpoint {
        Reply handle(Call call);
    }

    record Route(String method, String template, Endpoint endpoint) {
    }

    /** A path matched to a template; {@code route} is null when the template has no route for the method. */
    record Match(String template, Route route, Map<String, String> params) {
    }

    private final List<Route> routes = new ArrayList<>();

    void add(String method, String template, Endpoint endpoint) {
        routes.add(new Route(method, template, endpoint));
    }

    /**
     * The most specific template matching the path (more literal segments first, earlier segments
     * weighing more), preferring one with a route for the method; null when no template matches.
     */
    Match match(String method, String rawPath) {
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
}
