package io.dostorage.emulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DO's droplet metadata service ({@code http://169.254.169.254/metadata/v1/...}), one per emulated
 * droplet under {@code /droplets/<id>}: {@code /metadata/v1/id} and {@code /metadata/v1/region}
 * answer plain text as DO documents, the two items the plugin reads
 * ({@code io.dostorage.digitalocean.MetadataApi}). Not counted as API calls, no token (the real
 * service needs none). Anything else, or an unknown droplet: 404.
 */
final class MetadataHandler implements HttpHandler {

    private static final Pattern PATH = Pattern.compile("/droplets/(\\d+)/metadata/v1/(id|region)");
    private static final String TEXT = "text/plain; charset=utf-8";

    private final Cloud cloud;

    MetadataHandler(Cloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Matcher m = PATH.matcher(exchange.getRequestURI().getRawPath());
        Optional<StateDocument.Droplet> found = Optional.empty();
        if (exchange.getRequestMethod().equalsIgnoreCase("GET") && m.matches()) {
            try {
                found = cloud.findDroplet(Long.parseLong(m.group(1)));
            } catch (NumberFormatException e) {
                // Too long for a droplet id: no such droplet.
            }
        }
        if (found.isEmpty()) {
            Exchanges.send(exchange, 404, Map.of(), TEXT, "not found\n");
            return;
        }
        StateDocument.Droplet droplet = found.get();
        String answer = m.group(2).equals("id") ? Long.toString(droplet.id()) : droplet.region();
        Exchanges.send(exchange, 200, Map.of(), TEXT, answer);
    }
}
