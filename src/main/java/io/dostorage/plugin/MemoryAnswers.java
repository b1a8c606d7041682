package io.dostorage.plugin;

import io.dostorage.plugin.Messages.MountResponse;
import io.dostorage.plugin.Messages.NameRequest;
import io.dostorage.plugin.Messages.Reply;
import io.dostorage.volume.Volume;
import io.dostorage.volume.VolumeService;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.MediaType;

import java.util.Optional;
import java.util.function.Function;

/**
 * Answers Get and Path of a volume that memory holds, on the event loop that read the request, before
 * Quarkus REST hands the request to a worker thread; every other request goes on to {@link
 * VolumeDriverResource} unchanged, with its body. As dockerd starts, it sends a Get for every volume it
 * knows, one after another, and waits for each; the hand-off to a worker thread and back, and Quarkus
 * REST's own handling, cost far more than the answer itself (docs/benchmark.md has the measurement).
 *
 * <p>Only what needs no lock, no SQLite, no host call and no DigitalOcean call is answered here
 * ({@link VolumeService#getFromMemory}), with the very bytes {@link VolumeDriverResource} gives. A body
 * this class does not take as it is (not JSON, a field of the wrong type, a malformed name, no {@code
 * Content-Length}), or a volume not in memory, is passed on, so that its answer, and its {@code Err},
 * are the endpoint's. {@link BodyLimit}'s length check runs first.
 */
@Singleton
class MemoryAnswers {

    /** As Quarkus REST writes it for {@code @Produces(APPLICATION_JSON)}. */
    private static final String JSON = MediaType.APPLICATION_JSON + ";charset=UTF-8";
    /** After {@link BodyLimit}'s length check (-3) and Quarkus' own (-2), before Quarkus REST's route. */
    private static final int ORDER = -1;

    private final VolumeService volumes;

    MemoryAnswers(VolumeService volumes) {
        this.volumes = volumes;
    }

    void install(@Observes Router router) {
        router.post("/VolumeDriver.Get").order(ORDER)
                .handler(context -> answer(context, VolumeDriverResource::getResponse));
        // Not mounted here, a volume's Path is empty (VolumeService#getFromMemory holds no mounted one).
        router.post("/VolumeDriver.Path").order(ORDER)
                .handler(context -> answer(context, known -> new MountResponse("", "")));
    }

    private void answer(RoutingContext context, Function<Volume, Reply> reply) {
        HttpServerRequest request = context.request();
        if (request.getHeader(HttpHeaderNames.CONTENT_LENGTH) == null) {
            // A body sent in chunks is counted by BodyLimit while the endpoint reads it: dockerd never sends one.
            context.next();
            return;
        }
        // Quarkus pauses each request until a handler reads it; the endpoint reads it from context.body() then.
        request.resume();
        request.body().onComplete(read -> {
            if (read.failed()) {
                context.fail(read.cause());
                return;
            }
            Buffer body = read.result();
            Optional<Reply> known = known(body.getBytes()).map(reply);
            if (known.isPresent()) {
                context.response().putHeader(HttpHeaderNames.CONTENT_TYPE, JSON)
                        .end(Buffer.buffer(ProtocolJson.bytes(known.get())));
            } else {
                context.setBody(body);
                context.next();
            }
        });
    }

    /** The volume the body names, when it is a valid body and memory holds the answer; empty otherwise. */
    private Optional<Volume> known(byte[] body) {
        if (body.length == 0) {
            return Optional.empty();
        }
        try {
            return volumes.getFromMemory(NameRequest.from(ProtocolJson.fields(body)).name());
        } catch (RuntimeException refused) {
            // The endpoint refuses it too, and says why in its Err.
            return Optional.empty();
        }
    }
}
