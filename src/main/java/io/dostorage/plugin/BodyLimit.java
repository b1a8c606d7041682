package io.dostorage.plugin;

import io.dostorage.plugin.Messages.ErrResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.ws.rs.ConstrainedTo;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import org.jboss.logging.Logger;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Refuses a request body over {@value #MAX_BYTES} bytes with 413 and an {@code Err}. dockerd's
 * bodies are a few hundred bytes; the largest a user can make is a Create with a 1024-character
 * description and some tags, a few KiB, so 64 KiB leaves ample room while a runaway client cannot
 * make the plugin buffer megabytes (Quarkus' own limit is 10 MiB, answered with an empty 413).
 *
 * <p>A body whose {@code Content-Length} is over the limit is refused by a route that runs ahead of
 * Quarkus' own length check (order -2 in its {@code HttpServerCommonHandlers}), and is never parsed:
 * up to {@value #DRAIN_MAX_BYTES} bytes it is read and dropped, so that a client still sending it
 * gets the answer; a longer one is not read at all. dockerd always sends the length (its plugin
 * client encodes each request into a buffer first). A body sent in chunks is counted while the
 * endpoint reads it.
 *
 * <p>Server side only: Quarkus' REST client applies every {@code @Provider} to its clients too, and
 * DigitalOcean's answers are longer than 64 KiB for a page of 200 volumes (without the constraint,
 * {@code DigitalOceanClientTest}'s listing of 450 volumes fails).
 */
@Singleton
@Provider
@ConstrainedTo(RuntimeType.SERVER)
public class BodyLimit implements ReaderInterceptor {

    static final int MAX_BYTES = 64 * 1024;
    /** A longer body over the limit is not even read: its answer comes at once and the connection closes. */
    private static final int DRAIN_MAX_BYTES = 1024 * 1024;
    private static final Logger LOG = Logger.getLogger(BodyLimit.class);

    void installLengthCheck(@Observes Router router) {
        router.route().order(-3).handler(context -> {
            HttpServerRequest request = context.request();
            long length = declaredLength(request.getHeader(HttpHeaderNames.CONTENT_LENGTH));
            if (length <= MAX_BYTES) {
                context.next();
                return;
            }
            String message = message(request.path(), length + " bytes");
            LOG.infof("%s refused: %s", request.path(), message);
            if (length > DRAIN_MAX_BYTES || request.isEnded()) {
                refuse(context, message, length > DRAIN_MAX_BYTES);
                return;
            }
            // Read to the end and dropped: answering first and closing with bytes unread makes the kernel
            // reset the connection, and a client still sending then loses the answer.
            request.handler(ignored -> {
            }).endHandler(ignored -> refuse(context, message, false)).resume();
        });
    }

    /** With {@code close}, the rest of the body is not read, so the connection cannot carry another request. */
    private static void refuse(RoutingContext context, String message, boolean close) {
        HttpServerResponse response = context.response().setStatusCode(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code())
                .putHeader(HttpHeaderNames.CONTENT_TYPE, "application/json");
        if (close) {
            response.putHeader(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        response.end(Buffer.buffer(ProtocolJson.bytes(new ErrResponse(message))));
    }

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        context.setInputStream(new Counted(context.getInputStream()));
        return context.proceed();
    }

    /** {@code size}: what is known of the body's size, such as "70000 bytes". */
    static String message(String path, String size) {
        return "request body of " + path + " is too large (" + size + "): this plugin accepts at most " + MAX_BYTES
                + " bytes (64 KiB); Docker's requests are a few hundred bytes, such as " + VolumeDriverResource.example(path);
    }

    /** -1 when absent or not a number (the HTTP codec deals with the latter). */
    private static long declaredLength(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Fails the read once more than {@link #MAX_BYTES} bytes came through. */
    private static final class Counted extends FilterInputStream {

        private long count;

        Counted(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                add(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                add(n);
            }
            return n;
        }

        private void add(int n) {
            count += n;
            if (count > MAX_BYTES) {
                throw new BodyTooLargeException("more than " + MAX_BYTES + " bytes");
            }
        }
    }
}
