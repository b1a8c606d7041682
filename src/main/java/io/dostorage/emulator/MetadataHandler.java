package io.dostorage.emulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DO's droplet metadata service ({@code http://169.254.169.254/metadata/v1/...}), one per emulated
 * droplet under {@code /droplets/<id>}: {@code /metadata/v1/id}, {@code /hostname} and
 * {@code /region} answer plain text as DO documents; {@code /metadata/v1.json} answers the JSON
 * document. Not counted as API calls, no token (the real service needs none). Unknown droplet: 404.
 */
final class MetadataHandler implements HttpHandler {

    private static final Pattern PATH = Pattern.compile("/droplets/(\\d+)/metadata/(v1\\.json|v1/?|v1/([a-z_-]+))");
    private static final String TEXT = "text/plain; charset=utf-8";

    private final Cloud cloud;
    private final ObjectMapper json;

    MetadataHandler(Cloud cloud, ObjectMapper json) {
        this.cloud = cloud;
        this.json = json;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Matcher m = PATH.matcher(exchange.getRequestURI().getRawPath());
        if (!exchange.getRequestMethod().equalsIgnoreCase("GET") || !m.matches()) {
            Exchanges.send(exchange, 404, Map.of(), TEXT, "not found\n");
            return;
        }
        Optional<StateDocument.Droplet> found;
        try {
            found = cloud.findDroplet(Long.parseLong(m.group(1)));
        } catch (NumberFormatException e) {
            found = Optional.empty();
        }
        if (found.isEmpty()) {
            Exchanges.send(exchange, 404, Map.of(), TEXT, "not found\n");
            return;
        }
        StateDocument.Droplet droplet = found.get();
        String item = m.group(2).equals("v1.json") ? "json" : m.group(3) == null ? "index" : m.group(3);
        switch (item) {
            case "json" -> Exchanges.send(exchange, 200, Map.of(), Exchanges.JSON,
                    json.writeValueAsString(document(droplet)));
            case "index" -> Exchanges.send(exchange, 200, Map.of(), TEXT, "id\nhostname\nregion\ntags/\n");
            case "id" -> Exchanges.send(exchange, 200, Map.of(), TEXT, Long.toString(droplet.id()));
            case "hostname" -> Exchanges.send(exchange, 200, Map.of(), TEXT, "droplet-" + droplet.id());
            case "region" -> Exchanges.send(exchange, 200, Map.of(), TEXT, droplet.region());
            default -> Exchanges.send(exchange, 404, Map.of(), TEXT, "not found\n");
        }
    }

    private static ObjectNode document(StateDocument.Droplet droplet) {
        ObjectNode doc = Wire.object()
                .put("droplet_id", droplet.id())
                .put("hostname", "droplet-" + droplet.id())
                .put("region", droplet.region())
                .put("vendor_data", "")
                .put("user_data", "");
        doc.putArray("public_keys");
        droplet.tags().forEach(doc.putArray("tags")::add);
        doc.putObject("features").put("dhcp_enabled", false);
        doc.putObject("dns").putArray("nameservers").add("67.207.67.2").add("67.207.67.3");
        return doc;
    }
}
