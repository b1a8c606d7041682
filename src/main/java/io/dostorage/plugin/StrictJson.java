package io.dostorage.plugin;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import com.fasterxml.jackson.databind.type.LogicalType;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.function.BiFunction;

/**
 * Reads the bodies of Docker's requests strictly; Quarkus REST asks it for the reader of each
 * endpoint of {@link VolumeDriverResource} ({@code @CustomDeserialization} there). Out of the box
 * Jackson turns {@code {"Name": true}} into a volume named {@code true}, ignores whatever follows the
 * JSON object, and fails on a repeated field with an internal error. Here a string field given a
 * boolean or a number is refused, and so is anything after the object or a field given twice; each
 * ends as a 400 with an {@code Err} in {@link ErrorMappers}, and a value of the wrong JSON type is
 * reported as a {@link WrongTypeException}, which names what was found.
 *
 * <p>That covers {@code Opts} values too, deliberately: dockerd passes a plugin the driver options of
 * its own API, which types them as a map of strings, so neither {@code docker volume create -o} nor
 * the Engine API can send anything else, and docker-compose turns {@code size: 10} of a compose file
 * into {@code "10"} before it calls that API. A number there only comes from a hand-made request,
 * which is told to quote it.
 *
 * <p>Only this reader is strict. Quarkus' shared {@code ObjectMapper}, which the DigitalOcean client
 * and the state store also use, is left as it is: DigitalOcean's answers are read leniently, so that
 * a change of type in a field the plugin does not rely on cannot break it. The class is public with a
 * public constructor because Quarkus REST instantiates it reflectively from its own package.
 */
public class StrictJson implements BiFunction<ObjectMapper, Type, ObjectReader> {

    @Override
    public ObjectReader apply(ObjectMapper shared, Type type) {
        ObjectMapper strict = shared.copy();
        strict.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        strict.addHandler(new DeserializationProblemHandler() {
            @Override
            public Object handleUnexpectedToken(DeserializationContext context, JavaType target, JsonToken token,
                                                JsonParser parser, String message) throws IOException {
                throw new WrongTypeException(parser, target, token);
            }

            @Override
            public Object handleMissingInstantiator(DeserializationContext context, Class<?> target,
                                                    ValueInstantiator instantiator, JsonParser parser, String message)
                    throws IOException {
                throw new WrongTypeException(parser, context.constructType(target), parser.currentToken());
            }
        });
        return strict.readerFor(strict.constructType(type))
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }
}
