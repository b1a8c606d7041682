package io.dostorage.plugin;

import io.dostorage.json.Json;
import io.dostorage.json.JsonSyntaxException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.ConstrainedTo;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyReader;
import jakarta.ws.rs.ext.Provider;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveResourceInfo;
import org.jboss.resteasy.reactive.server.spi.ServerMessageBodyWriter;
import org.jboss.resteasy.reactive.server.spi.ServerRequestContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the request records of {@link Messages} from Docker's bodies and writes its replies.
 * Reading is strict ({@link Json}, {@link RequestFields}): anything after the object, a field given
 * twice or a value of the wrong type ends as a {@link BadBodyException}. An empty body is read as
 * none ({@code null}), which the endpoint refuses with an example of what it takes.
 *
 * <p>Server side only, as the DigitalOcean client sends and reads its JSON as text. Public with a
 * public constructor because Quarkus REST instantiates it from its own package.
 */
@Provider
@ConstrainedTo(RuntimeType.SERVER)
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ProtocolJson implements MessageBodyReader<Messages.Request>, ServerMessageBodyWriter<Messages.Reply> {

    @Override
    public boolean isReadable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return Messages.Request.class.isAssignableFrom(type);
    }

    @Override
    public Messages.Request readFrom(Class<Messages.Request> type, Type genericType, Annotation[] annotations,
                                     MediaType mediaType, MultivaluedMap<String, String> headers, InputStream body)
            throws IOException {
        byte[] bytes = body.readAllBytes();
        if (bytes.length == 0) {
            return null;
        }
        RequestFields fields = fields(bytes);
        if ((Class<?>) type == Messages.CreateRequest.class) {
            return Messages.CreateRequest.from(fields);
        }
        return (Class<?>) type == Messages.MountRequest.class ? Messages.MountRequest.from(fields) : Messages.NameRequest.from(fields);
    }

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return Messages.Reply.class.isAssignableFrom(type);
    }

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, ResteasyReactiveResourceInfo target, MediaType mediaType) {
        return Messages.Reply.class.isAssignableFrom(type);
    }

    /** Quarkus REST's own way: the bytes straight to the response, not through an output stream. */
    @Override
    public void writeResponse(Messages.Reply reply, Type genericType, ServerRequestContext context) {
        context.serverResponse().end(bytes(reply));
    }

    @Override
    public void writeTo(Messages.Reply reply, Class<?> type, Type genericType, Annotation[] annotations,
                        MediaType mediaType, MultivaluedMap<String, Object> headers, OutputStream out) throws IOException {
        out.write(bytes(reply));
    }

    /** The reply's JSON, as UTF-8. */
    static byte[] bytes(Messages.Reply reply) {
        return Json.write(reply.json()).getBytes(StandardCharsets.UTF_8);
    }

    /** A body's fields, as every endpoint reads them; a body that is not a JSON object is refused. */
    static RequestFields fields(byte[] bytes) {
        return RequestFields.of(parse(bytes));
    }

    /** JSON is UTF-8 (RFC 8259 section 8.1); other bytes are refused, not replaced. */
    private static Object parse(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BadBodyException("is not valid JSON: it is not UTF-8 text");
        }
        try {
            return Json.parse(text);
        } catch (JsonSyntaxException e) {
            throw new BadBodyException(RequestFields.describe(e));
        }
    }
}
