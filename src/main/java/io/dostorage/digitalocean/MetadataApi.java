package io.dostorage.digitalocean;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** DigitalOcean's droplet metadata service: plain-text answers about the droplet that asks. */
@Path("/metadata/v1")
@Produces(MediaType.TEXT_PLAIN)
interface MetadataApi {

    @GET
    @Path("/id")
    String id();

    @GET
    @Path("/region")
    String region();
}
