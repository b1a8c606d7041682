package io.dostorage.plugin;

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
    Response json(BadBodyException e, UriInfo uri) {
        return badBody(e, uri);
    }

    @ServerExceptionMapper
    Response tooLarge(BodyTooLargeException e, UriInfo uri) {
        return badBody(e, uri);
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
        if (e.getCause() instanceof BadBodyException || e.getCause() instanceof BodyTooLargeException) {
            return badBody(e.getCause(), uri);
        }
        LOG.infof("%s refused: %s", uri.getPath(), e.getMessage());
        return err(Response.Status.fromStatusCode(e.getResponse().getStatus()), uri.getPath() + ": " + e.getMessage());
    }

    @ServerExceptionMapper
    Response unexpected(RuntimeException e, UriInfo uri) {
        return unexpectedFailure(e, uri);
    }

    /** A bug: the Err says so in plain words, the log has the exception with its stack. */
    private static Response unexpectedFailure(Throwable e, UriInfo uri) {
        LOG.errorf(e, "%s failed unexpectedly", uri.getPath());
        return err(Response.Status.INTERNAL_SERVER_ERROR, "internal error in dostorage while serving " + uri.getPath()
                + "; the plugin's log has the details (search it for \"" + uri.getPath() + " failed unexpectedly\")");
    }

    /** A body that could not be read: too large, not JSON, or not the JSON this endpoint takes. */
    private static Response badBody(Throwable e, UriInfo uri) {
        String path = uri.getPath();
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BodyTooLargeException tooLarge) {
                String message = BodyLimit.message(path, tooLarge.getMessage());
                LOG.infof("%s refused: %s", path, message);
                return err(Response.Status.REQUEST_ENTITY_TOO_LARGE, message);
            }
        }
        if (!(e instanceof BadBodyException)) {
            return unexpectedFailure(e, uri);
        }
        String message = "request body of " + path + " " + e.getMessage() + "; " + path
                + " expects JSON such as " + VolumeDriverResource.example(path);
        LOG.infof("%s refused: %s", path, message);
        return err(Response.Status.BAD_REQUEST, message);
    }

    private static Response err(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ErrResponse(message)).build();
    }
}
