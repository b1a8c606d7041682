package io.dostorage.digitalocean;

import io.dostorage.config.Secret;

import java.net.URI;
import java.util.Optional;

/**
 * Where the DigitalOcean API and the droplet metadata service are, and the token for the API.
 * Produced by {@code io.dostorage.emulator.InProcessEmulator}: DigitalOcean's own, from the
 * settings, unless {@code DO_EMULATOR} asks for an emulator inside the plugin.
 */
public record Endpoints(URI api, URI metadata, Optional<Secret> token) {

    @Override
    public String toString() {
        return "Endpoints[api=" + api + ", metadata=" + metadata + ", token=" + (token.isPresent() ? "****" : "none") + "]";
    }
}
