package io.dostorage.support;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.dostorage.emulator.ContractCheck;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * DigitalOcean's own OpenAPI description ({@code /do-api/do-openapi.volumes.yaml} on the test
 * classpath) as a {@link ContractCheck}: requests are checked for a documented path and method,
 * query and path parameters and the body against its schema; responses for a documented status
 * (or the operation's {@code default}), content type and the body against its schema.
 *
 * <p>Two checks are turned off on purpose, both about things the description does not constrain
 * in a way a check could use:
 * <ul>
 *   <li>{@code validation.request.security}: the bearer token is the emulator's own business (it
 *   answers 401 like DO does); the contract must not turn a request without a token into a 400 and
 *   so hide the 401 a client must handle.</li>
 *   <li>{@code validation.response.header.missing}: the ratelimit headers are described per response
 *   but never marked required; the emulator sends them anyway.</li>
 * </ul>
 * Everything about bodies and parameters stays an error.
 *
 * <p>DO's bundled description keeps two {@code discriminator} mappings that point at its source
 * files ({@code models/volume_action_post_attach.yml}, ...), which are not bundled, so the parser
 * refuses the document. They are dropped on load: the {@code anyOf} they sit on still checks the
 * body, and the mapping adds nothing a validator could use without those files.
 *
 * <p>The emulator serves none of the paths where the description needs mending for a validator
 * ({@code POST /v2/volumes/actions}, whose schema forgot {@code volume_name}; {@code /v2/snapshots/{snapshot_id}},
 * whose {@code anyOf} parameter the validator reads as JSON), so the description is used as it is.
 *
 * <p>The validator treats properties a schema does not list as errors, and all the allOf parts of
 * a schema are merged before checking (otherwise each part would reject the others' properties).
 *
 * <p>Loading the 880 KB description takes seconds, so there is one shared instance: {@link #instance()}.
 */
public final class OpenApiContract implements ContractCheck {

    private static final String SPEC = "/do-api/do-openapi.volumes.yaml";

    private final OpenApiInteractionValidator validator;

    private OpenApiContract() {
        LevelResolver levels = LevelResolver.create()
                .withLevel("validation.request.security", ValidationReport.Level.IGNORE)
                .withLevel("validation.response.header.missing", ValidationReport.Level.IGNORE)
                .build();
        this.validator = OpenApiInteractionValidator.createForInlineApiSpecification(loadableSpec())
                .withLevelResolver(levels)
                .withResolveCombinators(true)
                .build();
    }

    /** The one shared, lazily loaded instance. */
    public static OpenApiContract instance() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final OpenApiContract INSTANCE = new OpenApiContract();
    }

    @Override
    public List<String> request(String method, String pathAndQuery, Map<String, List<String>> headers, String body) {
        String path = pathOf(pathAndQuery);
        SimpleRequest.Builder request = new SimpleRequest.Builder(method.toUpperCase(Locale.ROOT), path);
        headers.forEach((name, values) -> request.withHeader(name, values));
        ContractCheck.queryParameters(pathAndQuery).forEach(request::withQueryParam);
        if (body != null && !body.isEmpty()) {
            request.withBody(body);
        }
        return messages("request " + method + " " + pathAndQuery, validator.validateRequest(request.build()));
    }

    @Override
    public List<String> response(String method, String pathAndQuery, int status, Map<String, List<String>> headers,
                                 String body) {
        SimpleResponse.Builder response = SimpleResponse.Builder.status(status);
        headers.forEach((name, values) -> response.withHeader(name, values));
        if (body != null && !body.isEmpty()) {
            response.withBody(body);
        }
        Request.Method m = Request.Method.valueOf(method.toUpperCase(Locale.ROOT));
        return messages("response " + status + " to " + method + " " + pathAndQuery,
                validator.validateResponse(pathOf(pathAndQuery), m, response.build()));
    }

    private static List<String> messages(String what, ValidationReport report) {
        List<String> out = new ArrayList<>();
        for (ValidationReport.Message message : report.getMessages()) {
            if (message.getLevel() != ValidationReport.Level.ERROR) {
                continue;
            }
            StringBuilder text = new StringBuilder(what).append(": ").append(message.getKey())
                    .append(": ").append(message.getMessage());
            for (String info : message.getAdditionalInfo()) {
                text.append(" [").append(info).append(']');
            }
            for (ValidationReport.Message nested : message.getNestedMessages()) {
                text.append(" {").append(nested.getMessage()).append('}');
            }
            out.add(text.toString());
        }
        return out;
    }

    private static String pathOf(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    }

    /** The description as JSON, without the discriminators that point at files outside it. */
    private static String loadableSpec() {
        try (InputStream in = OpenApiContract.class.getResourceAsStream(SPEC)) {
            if (in == null) {
                throw new IllegalStateException("DigitalOcean's OpenAPI description not on the test classpath: " + SPEC);
            }
            JsonNode spec = new YAMLMapper().readTree(in);
            dropExternalDiscriminators(spec);
            return new ObjectMapper().writeValueAsString(spec);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + SPEC, e);
        }
    }

    private static void dropExternalDiscriminators(JsonNode node) {
        if (node instanceof ObjectNode object) {
            JsonNode mapping = object.path("discriminator").path("mapping");
            boolean external = false;
            for (JsonNode target : mapping) {
                external |= !target.asText().startsWith("#");
            }
            if (external) {
                object.remove("discriminator");
            }
        }
        node.forEach(OpenApiContract::dropExternalDiscriminators);
    }
}
