package io.dostorage.emulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/** An answer of the emulated API before it is written: status, JSON body (null for none), extra headers. */
record Reply(int status, JsonNode body, Map<String, String> headers) {

    Reply {
        headers = Map.copyOf(headers);
    }

    static Reply json(int status, JsonNode body) {
        return new Reply(status, body, Map.of());
    }

    static Reply noContent() {
        return new Reply(204, null, Map.of());
    }
}
