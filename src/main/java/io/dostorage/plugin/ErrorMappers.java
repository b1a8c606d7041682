package io.dostorage.plugin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.dostorage.plugin.Messages.ErrResponse;
import io.dostorage.volume.InvalidRequestException;
import io.dostorage.volume.VolumeException;
import io.dostorage.volume.VolumeNotFoundException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/**
 * Turns every failure into Docker's {@code {"Err": "<message>"}}, and logs it: this is the one
 * place a failed request is logged. A failed volume operation is answered with status 200 and an
 * {@code Err}, as Docker's volume plugin documentation shows, so that the user sees the message
 * as it is (dockerd prefixes the endpoint name to the message of a non-200 answer).
 */
class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    Response volume(VolumeException e, UriInfo uri) {
        if (e instanceof InvalidRequestException || e instanceof VolumeNotFoundException) {
            LOG.infof("%s refused: %s", uri.getPath(), e.getMessage());
        } else {
            LOG.warnf("%s failed: %s", uri.getPath(), e.getMessage());
        }
        return err(Response.Status.OK, e.getMessage());
    }

    @ServerExceptionMapper
    Response json(JsonProcessingException e, UriInfo uri) {
        return badJson(e, uri);
    }

    @ServerExceptionMapper
    Response mismatchedJson(MismatchedInputException e, UriInfo uri) {
        return badJson(e, uri);
    }

    @ServerExceptionMapper
    Response notFound(NotFoundException e, UriInfo uri) {
        LOG.infof("unknown endpoint %s", uri.getPath());
        return err(Response.Status.NOT_FOUND, "unknown endpoint " + uri.getPath() + ": this plugin serves "
                + String.join(", ", VolumeDriverResource.ENDPOINTS));
    }

    @ServerExceptionMapper
    Response notAllowed(NotAllowedException e, UriInfo uri) {
        return err(Response.Status.METHOD_NOT_ALLOWED, uri.getPath() + " takes POST only");
    }

    @ServerExceptionMapper
    Response web(WebApplicationException e, UriInfo uri) {
        Throwable cause = e.getCause();
        if (cause instanceof JsonProcessingException json) {
            return badJson(json, uri);
        }
        LOG.infof("%s refused: %s", uri.getPath(), e.getMessage());
        return err(Response.Status.fromStatusCode(e.getResponse().getStatus()), uri.getPath() + ": " + e.getMessage());
    }

    @ServerExceptionMapper
    Response unexpected(RuntimeException e, UriInfo uri) {
        LOG.errorf(e, "%s failed unexpectedly", uri.getPath());
        return err(Response.Status.INTERNAL_SERVER_ERROR, "internal error in dostorage: " + e);
    }

    private static Response badJson(JsonProcessingException e, UriInfo uri) {
        String problem = e.getOriginalMessage();
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            problem = "at " + mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining(".")) + ": " + problem;
        }
        LOG.infof("%s refused: body is not valid: %s", uri.getPath(), problem);
        return err(Response.Status.BAD_REQUEST, "request body of " + uri.getPath() + " is not valid JSON for this endpoint: "
                + problem);
    }

    private static Response err(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ErrResponse(message)).build();
    }
}
