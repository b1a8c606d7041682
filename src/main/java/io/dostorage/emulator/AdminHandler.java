package io.dostorage.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The emulator's own control API under {@code /_emulator/}, for the scripts that drive a standalone
 * emulator ({@code e2e/run.sh}, {@code e2e/swarm.sh}, {@code bench/}): a droplet's power
 * ({@code PATCH /_emulator/droplets/<id>} {@code {"status": "off"}}), call counts and how many actions
 * DO's "pending event" rule refused ({@code GET}, {@code DELETE /_emulator/calls}), the volumes
 * ({@code GET /_emulator/volumes}) and what attached volumes' devices are ({@code GET /_emulator/devices}).
 * JSON in and out; not counted as DO API calls and not contract-checked. Bad input answers 400
 * {@code {"error": ...}}. Tests in the same process use {@link DoEmulator}'s methods instead.
 */
final class AdminHandler implements HttpHandler {

    private static final Pattern DROPLET = Pattern.compile("/_emulator/droplets/(\\d+)");

    private final DoEmulator emulator;
    private final ObjectMapper json;

    AdminHandler(DoEmulator emulator, ObjectMapper json) {
        this.emulator = emulator;
        this.json = json;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = exchange.getRequestURI().getRawPath();
        String body = Exchanges.body(exchange);
        try {
            Matcher droplet = DROPLET.matcher(path);
            if (droplet.matches() && method.equals("PATCH")) {
                emulator.setDropletStatus(Long.parseLong(droplet.group(1)), required(read(body), "status").asText());
                reply(exchange, 200, Wire.object().put("id", Long.parseLong(droplet.group(1))));
            } else if (path.equals("/_emulator/calls") && method.equals("GET")) {
                ObjectNode out = Wire.object();
                ObjectNode calls = out.putObject("calls");
                emulator.calls().forEach(calls::put);
                out.put("total", emulator.totalCalls());
                out.put("pending_event_refusals", emulator.pendingEventRefusals());
                reply(exchange, 200, out);
            } else if (path.equals("/_emulator/calls") && method.equals("DELETE")) {
                emulator.resetCalls();
                Exchanges.send(exchange, 204, Map.of(), Exchanges.JSON, "");
            } else if (path.equals("/_emulator/volumes") && method.equals("GET")) {
                ObjectNode out = Wire.object();
                var array = out.putArray("volumes");
                for (EmulatedVolume v : emulator.volumes()) {
                    ObjectNode item = array.addObject()
                            .put("id", v.id()).put("name", v.name()).put("region", v.region())
                            .put("size_gigabytes", v.sizeGigabytes()).put("description", v.description())
                            .put("snapshot_id", v.snapshotId());
                    v.dropletIds().forEach(item.putArray("droplet_ids")::add);
                    v.tags().forEach(item.putArray("tags")::add);
                }
                reply(exchange, 200, out);
            } else if (path.equals("/_emulator/devices") && method.equals("GET")) {
                reply(exchange, 200, Wire.object().put("mode", emulator.deviceMode().mode())
                        .put("said", emulator.deviceMode().said()));
            } else {
                reply(exchange, 404, Wire.object().put("error", "no admin endpoint " + method + " " + path));
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            reply(exchange, 400, Wire.object().put("error", e.getMessage()));
        } catch (DeviceException e) {
            reply(exchange, 500, Wire.object().put("error", e.getMessage()));
        }
    }

    private JsonNode read(String body) {
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
    }

    private static JsonNode required(JsonNode in, String field) {
        JsonNode value = in.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("missing \"" + field + "\"");
        }
        return value;
    }

    private void reply(HttpExchange exchange, int status, JsonNode body) throws IOException {
        Exchanges.send(exchange, status, Map.of(), Exchanges.JSON, json.writeValueAsString(body));
    }
}
