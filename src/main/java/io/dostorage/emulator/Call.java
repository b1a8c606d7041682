package io.dostorage.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The parts of one DO API request an endpoint reads: path parameters, query, JSON body. Reading a
 * body that is not a JSON object, or a field of the wrong type, is DO's 400 {@link DoErrorText#PARSE_ERROR}.
 */
final class Call {

    private static final int DEFAULT_PER_PAGE = 20;
    private static final int MAX_PER_PAGE = 200;

    private final ObjectMapper mapper;
    private final Map<String, String> params;
    private final Map<String, List<String>> query;
    private final String body;
    private final String baseUrl;
    private final String path;
    private JsonNode parsed;

    /** @param baseUrl {@code http://host:port} as the client addressed the emulator, for the links of a page */
    Call(ObjectMapper mapper, Map<String, String> params, Map<String, List<String>> query, String body,
         String baseUrl, String path) {
        this.mapper = mapper;
        this.params = params;
        this.query = query;
        this.body = body;
        this.baseUrl = baseUrl;
        this.path = path;
    }

    String param(String name) {
        return params.get(name);
    }

    /** A numeric path parameter; one that is not a number names nothing: 404. */
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
                parsed = body == null || body.isBlank() ? null : mapper.readTree(body);
            } catch (JsonProcessingException e) {
                throw DoApiError.badRequest(DoErrorText.PARSE_ERROR);
            }
            if (parsed == null || !parsed.isObject()) {
                throw DoApiError.badRequest(DoErrorText.PARSE_ERROR);
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
            throw DoApiError.badRequest(DoErrorText.PARSE_ERROR);
        }
        return node.asText();
    }

    Integer integer(String field) {
        JsonNode node = json().get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw DoApiError.badRequest(DoErrorText.PARSE_ERROR);
        }
        return node.intValue();
    }

    Long longValue(String field) {
        JsonNode node = json().get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw DoApiError.badRequest(DoErrorText.PARSE_ERROR);
        }
        return node.longValue();
    }

    List<String> strings(String field) {
        JsonNode node = json().get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw DoApiError.badRequest(DoErrorText.PARSE_ERROR);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw DoApiError.badRequest(DoErrorText.PARSE_ERROR);
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

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
