package io.dostorage.plugin;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

/**
 * A value of the wrong JSON type in a request body (an array where an object or a string belongs),
 * noted while the parser still knows what it read: Jackson's own exception only names the value in
 * its message, and the parser forgets it when the read ends. Jackson adds the field path to it as
 * to its own exceptions.
 */
class WrongTypeException extends MismatchedInputException {

    private final String found;

    WrongTypeException(JsonParser parser, JavaType target, JsonToken token) {
        super(parser, "wrong JSON type: " + describe(token), target);
        this.found = describe(token);
    }

    /** What was found: "an array", "a string". */
    String found() {
        return found;
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "of another type";
        }
        return switch (token) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> "of another type";
        };
    }
}
