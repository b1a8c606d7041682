package io.dostorage.json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The plugin's JSON: what it reads, what it refuses and where, and what it writes. */
class JsonTest {

    @Test
    void readsEveryKindOfValueInTheOrderGiven() {
        Object value = Json.parse(" {\"b\": [1, -2.5e3, \"x\"], \"a\": {\"t\": true, \"f\": false, \"n\": null}, \"e\": {}} ");

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("b", List.of(new BigDecimal("1"), new BigDecimal("-2.5e3"), "x"));
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("t", true);
        inner.put("f", false);
        inner.put("n", null);
        expected.put("a", inner);
        expected.put("e", Map.of());
        assertEquals(expected, value);
        assertEquals(List.of("b", "a", "e"), List.copyOf(((Map<?, ?>) value).keySet()));
    }

    @Test
    void readsEscapesIncludingCharactersOutsideTheBasicPlane() {
        assertEquals("a\"b\\c/d\b\f\n\r\t\u00e9 \uD83D\uDE00", Json.parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9 \\ud83d\\ude00\""));
        assertEquals("h\u00e9llo \uD83D\uDE00", Json.parse("\"h\u00e9llo \uD83D\uDE00\""));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "not json|MALFORMED|1|1",
            "{\"Name\":\"pg\"} x|MALFORMED|1|15",
            "{\"a\":1,}|MALFORMED|1|8",
            "{'a':1}|MALFORMED|1|2",
            "[1 2]|MALFORMED|1|4",
            "01|MALFORMED|1|2",
            "-01|MALFORMED|1|3",
            "1 2|TRAILING|1|3",
            "-|INCOMPLETE|1|2",
            "1.|INCOMPLETE|1|3",
            "\"a\\x\"|MALFORMED|1|3",
            "\"\\u12g4\"|MALFORMED|1|6",
            "truex|MALFORMED|1|1",
            "{\"a\":|INCOMPLETE|1|6",
            "\"abc|INCOMPLETE|1|5",
            "''|MALFORMED|1|1",
            "{\"Name\":\"pg\"} {}|TRAILING|1|15",
    })
    void refusesWhatIsNotOneJsonValueSayingWhere(String text, JsonSyntaxException.Problem problem, int line, int column) {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> Json.parse(text));

        assertEquals(problem, e.problem(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
    }

    @Test
    void countsLinesAndColumnsAsAnEditorDoes() {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> Json.parse("{\"a\": 1,\n  \"b\": [}"));

        assertEquals(2, e.line());
        assertEquals(9, e.column());
    }

    @Test
    void refusesTheEmptyTextAndAControlCharacterInAString() {
        assertEquals(JsonSyntaxException.Problem.INCOMPLETE, assertThrows(JsonSyntaxException.class, () -> Json.parse("  ")).problem());
        assertEquals(JsonSyntaxException.Problem.MALFORMED, assertThrows(JsonSyntaxException.class, () -> Json.parse("\"a\nb\"")).problem());
    }

    @Test
    void aFieldGivenTwiceIsRefusedNamingItAndTheFieldItIsIn() {
        JsonSyntaxException top = assertThrows(JsonSyntaxException.class, () -> Json.parse("{\"Name\":\"a\",\"Name\":\"b\"}"));
        JsonSyntaxException inner = assertThrows(JsonSyntaxException.class,
                () -> Json.parse("{\"Opts\":{\"size\":\"1\",\"size\":\"2\"}}"));

        assertEquals(JsonSyntaxException.Problem.DUPLICATE, top.problem());
        assertEquals("Name", top.field());
        assertNull(top.in());
        assertEquals("size", inner.field());
        assertEquals("Opts", inner.in());
        assertEquals(1, inner.line());
        assertEquals(21, inner.column());
    }

    @Test
    void nestingDeeperThanTheLimitIsRefusedWithoutRecursingIntoIt() {
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        String limit = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        String huge = "{\"a\":".repeat(100_000);

        assertEquals(JsonSyntaxException.Problem.TOO_DEEP, assertThrows(JsonSyntaxException.class, () -> Json.parse(deep)).problem());
        assertEquals(JsonSyntaxException.Problem.TOO_DEEP, assertThrows(JsonSyntaxException.class, () -> Json.parse(huge)).problem());
        Json.parse(limit);
    }

    @Test
    void writesFieldsInOrderAndEscapesWhatJsonRequires() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("z", "quote \" backslash \\ newline \n tab \t bell \u0007 \u00e9 \uD83D\uDE00 /");
        value.put("a", List.of(1, 2L, new BigDecimal("2.50"), true, false));
        value.put("n", null);
        value.put("o", Map.of());

        String text = Json.write(value);

        assertEquals("{\"z\":\"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007 \u00e9 \uD83D\uDE00 /\","
                + "\"a\":[1,2,2.50,true,false],\"n\":null,\"o\":{}}", text);
        Map<String, Object> read = new LinkedHashMap<>(value);
        read.put("a", List.of(new BigDecimal("1"), new BigDecimal("2"), new BigDecimal("2.50"), true, false));
        assertEquals(read, Json.parse(text));
    }

    @Test
    void anObjectLeavesOutTheFieldsWithoutAValue() {
        assertEquals("{\"a\":\"1\",\"c\":[]}", Json.write(Json.object("a", "1", "b", null, "c", List.of())));
    }

    @Test
    void refusesToWriteWhatJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, "a")));
    }

    @Test
    void anAnswerIsReadLenientlyAFieldOfAnotherTypeReadingAsAbsent() {
        JsonObject o = JsonObject.parse("{\"id\": 7, \"big\": 12345678901, \"half\": 1.5, \"name\": 3, \"ids\": [1, \"x\", 2],"
                + " \"tags\": [\"a\", 1], \"region\": {\"slug\": \"nyc1\"}, \"list\": [{\"a\": 1}, 2]}");

        assertEquals(7, o.integer("id"));
        assertNull(o.integer("big"));
        assertEquals(12345678901L, o.longNumber("big"));
        assertNull(o.longNumber("half"));
        assertNull(o.string("name"));
        assertEquals(List.of(1L, 2L), o.longs("ids"));
        assertEquals(List.of("a"), o.strings("tags"));
        assertNull(o.strings("absent"));
        assertEquals("nyc1", o.object("region").string("slug"));
        assertNull(o.object("id"));
        assertEquals(1, o.objects("list").size());
        assertEquals(List.of(), JsonObject.of(Arrays.asList(1, 2)).objects("list"));
    }
}
