package io.dostorage.json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON text (RFC 8259) read into plain Java values and written from them: an object is a
 * {@code Map<String, Object>} (in the order of its fields), an array a {@code List<Object>}, a
 * string a {@code String}, a number a {@link BigDecimal}, {@code true} and {@code false} a
 * {@code Boolean}, and {@code null} is {@code null}.
 *
 * <p>The plugin's JSON is a handful of small records: Docker's protocol, the part of DigitalOcean's
 * API it calls, and two maps in its state file. A general data binder would cost more than all of
 * that: Jackson is about 800 classes loaded in every start of the plugin, and with the image's AOT
 * cache (JEP 483) every class a start loads stays resident, about 6 KiB each (docs/benchmark.md).
 *
 * <p>Reading is strict, as RFC 8259 is: one value and nothing after it but whitespace; no comments,
 * no single quotes, no unescaped control characters in strings; a field given twice in one object
 * is refused (RFC 8259 leaves its meaning open, and two readers could disagree on which one counts);
 * nesting deeper than {@value #MAX_DEPTH} levels is refused rather than recursed into.
 */
public final class Json {

    /** No JSON the plugin reads nests more than four levels. */
    public static final int MAX_DEPTH = 64;

    private Json() {
    }

    /**
     * The value {@code text} holds.
     *
     * @throws JsonSyntaxException when it is not one JSON value, saying where and why
     */
    public static Object parse(String text) {
        return new Parser(text).document();
    }

    /**
     * The JSON text of {@code value}: a {@code Map} (with {@code String} keys), an {@code Iterable},
     * a {@code CharSequence}, a {@code Number}, a {@code Boolean} or {@code null}, nested as deep as
     * wanted. Fields keep the map's order.
     *
     * @throws IllegalArgumentException for anything else, or for a number JSON cannot hold (NaN, infinity)
     */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder(128);
        write(out, value);
        return out.toString();
    }

    /**
     * An object for {@link #write}: {@code keysAndValues} is a key, its value, the next key, and so on,
     * in the order they are written. A null value leaves its key out, as the plugin's wire types do
     * with a field they have no value for.
     */
    public static Map<String, Object> object(Object... keysAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
                fields.put((String) keysAndValues[i], keysAndValues[i + 1]);
            }
        }
        return fields;
    }

    private static void write(StringBuilder out, Object value) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof CharSequence text) {
            string(out, text);
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long
                || value instanceof BigDecimal || value instanceof Short) {
            out.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double number = ((Number) value).doubleValue();
            if (Double.isNaN(number) || Double.isInfinite(number)) {
                throw new IllegalArgumentException("JSON has no number " + number);
            }
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> field : map.entrySet()) {
                if (!(field.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("a JSON object's keys are strings, not " + field.getKey());
                }
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(out, key);
                out.append(':');
                write(out, field.getValue());
            }
            out.append('}');
        } else if (value instanceof Iterable<?> items) {
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                write(out, item);
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("no JSON for a " + value.getClass().getSimpleName());
        }
    }

    /** Escapes what RFC 8259 requires (quote, backslash, control characters), nothing more. */
    private static void string(StringBuilder out, CharSequence text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** A recursive descent over the text; {@code at} is the index of the next character. */
    private static final class Parser {

        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
        }

        Object document() {
            skipWhitespace();
            Object value = value(null, 0);
            skipWhitespace();
            if (at < text.length()) {
                char next = text.charAt(at);
                if ("{[\"-tfn".indexOf(next) >= 0 || (next >= '0' && next <= '9')) {
                    throw failure(JsonSyntaxException.Problem.TRAILING, null, null);
                }
                throw unexpected();
            }
            return value;
        }

        /** {@code key}: the field this value is given for, or null (the document, an array's item). */
        private Object value(String key, int depth) {
            if (at >= text.length()) {
                throw incomplete();
            }
            char c = text.charAt(at);
            return switch (c) {
                case '{' -> object(key, depth + 1);
                case '[' -> array(key, depth + 1);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw unexpected();
                }
            };
        }

        private Map<String, Object> object(String key, int depth) {
            nest(depth);
            at++;
            Map<String, Object> fields = new LinkedHashMap<>();
            elements('}', () -> {
                if (peek() != '"') {
                    throw unexpectedOrEnd();
                }
                int keyAt = at;
                String name = string();
                skipWhitespace();
                expect(':');
                skipWhitespace();
                Object value = value(name, depth);
                if (fields.containsKey(name)) {
                    at = keyAt;
                    throw failure(JsonSyntaxException.Problem.DUPLICATE, name, key);
                }
                fields.put(name, value);
            });
            return fields;
        }

        private List<Object> array(String key, int depth) {
            nest(depth);
            at++;
            List<Object> items = new ArrayList<>();
            elements(']', () -> items.add(value(key, depth)));
            return items;
        }

        /**
         * The comma-separated elements of an object or array, each read by {@code element}, up to and
         * including {@code close}; {@code at} starts after the opening bracket.
         */
        private void elements(char close, Runnable element) {
            skipWhitespace();
            if (peek() == close) {
                at++;
                return;
            }
            while (true) {
                skipWhitespace();
                element.run();
                skipWhitespace();
                if (peek() == ',') {
                    at++;
                } else if (peek() == close) {
                    at++;
                    return;
                } else {
                    throw unexpectedOrEnd();
                }
            }
        }

        private void nest(int depth) {
            if (depth > MAX_DEPTH) {
                throw failure(JsonSyntaxException.Problem.TOO_DEEP, null, null);
            }
        }

        private String string() {
            at++;
            StringBuilder out = null;
            int start = at;
            while (true) {
                if (at >= text.length()) {
                    throw incomplete();
                }
                char c = text.charAt(at);
                if (c == '"') {
                    String value = out == null ? text.substring(start, at) : out.append(text, start, at).toString();
                    at++;
                    return value;
                }
                if (c < 0x20) {
                    throw unexpected();
                }
                if (c == '\\') {
                    if (out == null) {
                        out = new StringBuilder();
                    }
                    out.append(text, start, at);
                    at++;
                    out.append(escape());
                    start = at;
                } else {
                    at++;
                }
            }
        }

        /** The character of the escape after a backslash; {@code at} ends after it. */
        private char escape() {
            if (at >= text.length()) {
                throw incomplete();
            }
            char c = text.charAt(at);
            at++;
            return switch (c) {
                case '"' -> '"';
                case '\\' -> '\\';
                case '/' -> '/';
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> {
                    int code = 0;
                    for (int i = 0; i < 4; i++) {
                        if (at >= text.length()) {
                            throw incomplete();
                        }
                        int digit = Character.digit(text.charAt(at), 16);
                        if (digit < 0) {
                            throw unexpected();
                        }
                        code = code * 16 + digit;
                        at++;
                    }
                    yield (char) code;
                }
                default -> {
                    at -= 2;
                    throw unexpected();
                }
            };
        }

        /** RFC 8259's number: {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}. */
        private BigDecimal number() {
            int start = at;
            if (peek() == '-') {
                at++;
            }
            if (peek() == '0') {
                at++;
                if (peek() >= '0' && peek() <= '9') {
                    throw unexpected(); // no leading zeros (RFC 8259 section 6)
                }
            } else {
                digits();
            }
            if (peek() == '.') {
                at++;
                digits();
            }
            if (peek() == 'e' || peek() == 'E') {
                at++;
                if (peek() == '+' || peek() == '-') {
                    at++;
                }
                digits();
            }
            return new BigDecimal(text.substring(start, at));
        }

        private void digits() {
            int start = at;
            while (peek() >= '0' && peek() <= '9') {
                at++;
            }
            if (at == start) {
                throw unexpectedOrEnd();
            }
        }

        /** A word that is not {@code true}, {@code false} or {@code null} is reported where it starts. */
        private Object literal(String word, Object value) {
            int start = at;
            for (int i = 0; i < word.length(); i++, at++) {
                if (at >= text.length()) {
                    throw incomplete();
                }
                if (text.charAt(at) != word.charAt(i)) {
                    at = start;
                    throw unexpected();
                }
            }
            if (at < text.length() && Character.isLetterOrDigit(text.charAt(at))) {
                at = start;
                throw unexpected();
            }
            return value;
        }

        private void expect(char c) {
            if (peek() != c) {
                throw unexpectedOrEnd();
            }
            at++;
        }

        /** The next character, or 0 at the end. */
        private char peek() {
            return at < text.length() ? text.charAt(at) : 0;
        }

        /** RFC 8259's whitespace: space, tab, line feed, carriage return. */
        private void skipWhitespace() {
            while (at < text.length()) {
                char c = text.charAt(at);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                at++;
            }
        }

        private JsonSyntaxException unexpected() {
            return failure(JsonSyntaxException.Problem.MALFORMED, null, null);
        }

        private JsonSyntaxException incomplete() {
            return failure(JsonSyntaxException.Problem.INCOMPLETE, null, null);
        }

        /** At the end of the text, it is incomplete; anywhere else the character there is wrong. */
        private JsonSyntaxException unexpectedOrEnd() {
            return at >= text.length() ? incomplete() : unexpected();
        }

        private JsonSyntaxException failure(JsonSyntaxException.Problem problem, String field, String in) {
            int line = 1;
            int lineStart = 0;
            int end = Math.min(at, text.length());
            for (int i = 0; i < end; i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            return new JsonSyntaxException(problem, line, end - lineStart + 1, field, in);
        }
    }
}
