package io.dostorage.plugin;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * dockerd sends {@code Accept: application/vnd.docker.plugins.v1.2+json} (or v1.1, v1) and no
 * {@code Content-Type} at all; the bodies are JSON all the same. Out of the box the server would
 * answer 406 and 415, so before routing both headers are made plain JSON.
 */
class DockerHeadersFilter {

    @ServerRequestFilter(preMatching = true)
    void normalise(ContainerRequestContext request) {
        request.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON);
        request.getHeaders().putSingle(HttpHeaders.ACCEPT, MediaType.APPLICATION_JSON);
    }
}
