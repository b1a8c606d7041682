package io.dostorage.plugin;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says in plain words what is wrong with a request body that Jackson could not read. Jackson's own
 * messages name Java types ({@code java.util.LinkedHashMap}), its tokens and its features, which
 * mean nothing to a Docker user, so they are only logged; this names the field, what it holds and
 * what it must hold.
 */
final class JsonProblem {

    /** What each field of the wire records ({@link Messages}) must hold. */
    private static final Map<String, String> FIELDS = Map.of(
            "Name", "Name must be a string, such as \"pgdata\"",
            "ID", "ID must be a string, the ID of the caller as dockerd sends it",
            "Opts", "Opts must be an object of strings, such as {\"size\": \"10\"}");
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']*)'");

    private JsonProblem() {
    }

    /** Continues "request body of /VolumeDriver.Create ...". */
    static String describe(JsonProcessingException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            // Broken JSON met while reading a field comes wrapped in a mapping exception with its path.
            if (cause instanceof StreamReadException syntax) {
                return syntax(syntax, e instanceof JsonMappingException mapping ? mapping.getPath() : List.of());
            }
        }
        if (e instanceof MismatchedInputException mismatch) {
            return mismatch(mismatch);
        }
        return "does not fit this endpoint";
    }

    private static String syntax(StreamReadException e, List<JsonMappingException.Reference> path) {
        if (e instanceof JsonEOFException) {
            return "is not valid JSON: it ends before the JSON is complete";
        }
        Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
        if (duplicate.lookingAt()) {
            return "is not valid: \"" + duplicate.group(1) + "\" is given twice"
                    + (path.isEmpty() || path.get(0).getFieldName() == null ? "" : " in " + path.get(0).getFieldName());
        }
        JsonLocation at = e.getLocation();
        return "is not valid JSON" + (at == null || at.getLineNr() < 1 ? ""
                : " (at line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
    }

    private static String mismatch(MismatchedInputException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        if (path.isEmpty()) {
            // Records take any subset of their fields, so at the top level only the body's own type can be
            // wrong, or, with FAIL_ON_TRAILING_TOKENS (StrictJson), something can follow the object.
            return e instanceof WrongTypeException wrong ? "must be a JSON object, not " + wrong.found()
                    : "is not valid: something follows the JSON object";
        }
        String field = path.get(0).getFieldName();
        String rule = FIELDS.get(field);
        if (rule == null) {
            return "is not valid: " + field + " has the wrong type";
        }
        String where = path.size() > 1 && path.get(1).getFieldName() != null
                ? field + "." + path.get(1).getFieldName() : field;
        return "is not valid: " + where + " is " + kind(e) + ", and " + rule;
    }

    /** What the offending value is: "a number (10)", "an array". */
    private static String kind(MismatchedInputException e) {
        if (e instanceof WrongTypeException wrong) {
            return wrong.found();
        }
        if (e instanceof InvalidFormatException format && format.getValue() instanceof Boolean value) {
            return "a boolean (" + value + ")";
        }
        if (e instanceof InvalidFormatException format && format.getValue() instanceof Number value) {
            return "a number (" + value + ")";
        }
        return "of another type";
    }
}
