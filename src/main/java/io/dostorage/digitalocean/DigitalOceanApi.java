package io.dostorage.digitalocean;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The calls of DigitalOcean's API v2 the plugin makes. Every method answers the raw
 * {@link Response} (the default exception mapper is off), so that {@link DoCalls} can read DO's
 * error body, request id and rate-limit headers itself.
 */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
interface DigitalOceanApi {
    // Request bodies are JSON text made by DoWire (io.dostorage.json), sent as they are.

    @GET
    @Path("/volumes")
    Response listVolumes(@QueryParam("name") String name, @QueryParam("region") String region,
                         @QueryParam("page") int page, @QueryParam("per_page") int perPage);

    @GET
    @Path("/volumes/{id}")
    Response getVolume(@PathParam("id") String id);

    @POST
    @Path("/volumes")
    Response createVolume(String volume);

    @DELETE
    @Path("/volumes/{id}")
    Response deleteVolume(@PathParam("id") String id);

    @POST
    @Path("/volumes/{id}/actions")
    Response volumeAction(@PathParam("id") String id, String action);

    @GET
    @Path("/actions/{id}")
    Response getAction(@PathParam("id") long id);

    @GET
    @Path("/droplets/{id}")
    Response getDroplet(@PathParam("id") long id);

    @POST
    @Path("/tags")
    Response createTag(String tag);

    @POST
    @Path("/tags/{tag}/resources")
    Response tagResources(@PathParam("tag") String tag, String resources);
}
