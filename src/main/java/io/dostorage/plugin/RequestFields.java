package io.dostorage.plugin;

import io.dostorage.json.Json;
import io.dostorage.json.JsonSyntaxException;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of a request body, read strictly, each refused in plain words when it holds a value of
 * another JSON type: out of the box a data binder turns {@code {"Name": true}} into a volume named
 * {@code true}. Docker users never see Java types, tokens or parser features here; the message
 * names the field, what it holds and what it must hold.
 *
 * <p>That covers {@code Opts} values too, deliberately: dockerd passes a plugin the driver options of
 * its own API, which types them as a map of strings, so neither {@code docker volume create -o} nor
 * the Engine API can send anything else, and docker-compose turns {@code size: 10} of a compose file
 * into {@code "10"} before it calls that API. A number there only comes from a hand-made request,
 * which is told to quote it.
 */
final class RequestFields {

    /** What each field of the request records ({@link Messages}) must hold. */
    private static final Map<String, String> RULES = Map.of(
            "Name", "Name must be a string, such as \"pgdata\"",
            "ID", "ID must be a string, the ID of the caller as dockerd sends it",
            "Opts", "Opts must be an object of strings, such as {\"size\": \"10\"}");

    private final Map<?, ?> body;

    private RequestFields(Map<?, ?> body) {
        this.body = body;
    }

    /** The body's fields; anything but an object is refused. */
    static RequestFields of(Object body) {
        if (body instanceof Map<?, ?> fields) {
            return new RequestFields(fields);
        }
        throw new BadBodyException("must be a JSON object, not " + kind(body));
    }

    /** A string field, or null when absent or null. */
    String string(String field) {
        Object value = body.get(field);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw wrongType(field, value, field);
    }

    /** An object of strings, or null when absent or null. */
    Map<String, String> strings(String field) {
        Object value = body.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw wrongType(field, value, field);
        }
        Map<String, String> strings = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getValue() instanceof String text)) {
                throw wrongType(field + "." + entry.getKey(), entry.getValue(), field);
            }
            strings.put((String) entry.getKey(), text);
        }
        return strings;
    }

    /** Continues "request body of /VolumeDriver.Create ..." for text that is not JSON at all. */
    static String describe(JsonSyntaxException e) {
        return switch (e.problem()) {
            case INCOMPLETE -> "is not valid JSON: it ends before the JSON is complete";
            case MALFORMED -> "is not valid JSON (at line " + e.line() + ", column " + e.column() + ")";
            case TRAILING -> "is not valid: something follows the JSON object";
            case DUPLICATE -> "is not valid: \"" + e.field() + "\" is given twice" + (e.in() == null ? "" : " in " + e.in());
            case TOO_DEEP -> "is not valid JSON: it nests objects and arrays more than " + Json.MAX_DEPTH
                    + " levels deep";
        };
    }

    private static BadBodyException wrongType(String where, Object value, String field) {
        return new BadBodyException("is not valid: " + where + " is " + kindWithValue(value) + ", and " + RULES.get(field));
    }

    /** What a value is, with the value when it is short: "a number (10)", "an array". */
    private static String kindWithValue(Object value) {
        if (value instanceof Boolean || value instanceof BigDecimal) {
            return kind(value) + " (" + value + ")";
        }
        return kind(value);
    }

    private static String kind(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Map) {
            return "an object";
        }
        if (value instanceof List) {
            return "an array";
        }
        if (value instanceof String) {
            return "a string";
        }
        return value instanceof Boolean ? "a boolean" : "a number";
    }
}
