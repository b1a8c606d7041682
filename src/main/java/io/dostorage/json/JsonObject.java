package io.dostorage.json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A JSON object read leniently, as an answer of another party is read: a field that is absent,
 * null or of another type than asked reads as null (or an empty list), so that a change of type in
 * a field the plugin does not rely on cannot break it. Requests from Docker are read strictly
 * instead ({@code io.dostorage.plugin.RequestFields}).
 */
public final class JsonObject {

    private final Map<?, ?> fields;

    private JsonObject(Map<?, ?> fields) {
        this.fields = fields;
    }

    /** The object {@code value} is, or an empty one when it is not an object. */
    public static JsonObject of(Object value) {
        return new JsonObject(value instanceof Map<?, ?> map ? map : Map.of());
    }

    /** Parses {@code text} ({@link Json#parse}) as an object. */
    public static JsonObject parse(String text) {
        return of(Json.parse(text));
    }

    public String string(String field) {
        return fields.get(field) instanceof String text ? text : null;
    }

    /** A whole number that fits an {@code int}, else null. */
    public Integer integer(String field) {
        Long number = longNumber(field);
        return number != null && number == number.intValue() ? number.intValue() : null;
    }

    /** A whole number that fits a {@code long}, else null. */
    public Long longNumber(String field) {
        return whole(fields.get(field));
    }

    public JsonObject object(String field) {
        return fields.get(field) instanceof Map<?, ?> map ? new JsonObject(map) : null;
    }

    /** The objects of an array (its other items left out); empty when it is not an array. */
    public List<JsonObject> objects(String field) {
        List<JsonObject> objects = new ArrayList<>();
        for (Object item : items(field)) {
            if (item instanceof Map<?, ?> map) {
                objects.add(new JsonObject(map));
            }
        }
        return objects;
    }

    /** The strings of an array (its other items left out); null when the field is absent or not an array. */
    public List<String> strings(String field) {
        return each(field, item -> item instanceof String text ? text : null);
    }

    /** The whole numbers of an array (its other items left out); null when the field is absent or not an array. */
    public List<Long> longs(String field) {
        return each(field, JsonObject::whole);
    }

    /** The items {@code convert} gives a value for, in order; null when the field is not an array. */
    private <T> List<T> each(String field, Function<Object, T> convert) {
        if (!(fields.get(field) instanceof List<?> list)) {
            return null;
        }
        List<T> converted = new ArrayList<>();
        for (Object item : list) {
            T value = convert.apply(item);
            if (value != null) {
                converted.add(value);
            }
        }
        return converted;
    }

    private List<?> items(String field) {
        return fields.get(field) instanceof List<?> list ? list : List.of();
    }

    private static Long whole(Object value) {
        if (!(value instanceof BigDecimal number)) {
            return null;
        }
        try {
            return number.longValueExact();
        } catch (ArithmeticException e) {
            return null;
        }
    }
}
