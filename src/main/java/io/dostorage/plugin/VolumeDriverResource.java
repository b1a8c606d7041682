package io.dostorage.plugin;

import io.dostorage.plugin.Messages.ActivateResponse;
import io.dostorage.plugin.Messages.CapabilitiesResponse;
import io.dostorage.plugin.Messages.CreateRequest;
import io.dostorage.plugin.Messages.ErrResponse;
import io.dostorage.plugin.Messages.GetResponse;
import io.dostorage.plugin.Messages.ListResponse;
import io.dostorage.plugin.Messages.MountRequest;
import io.dostorage.plugin.Messages.MountResponse;
import io.dostorage.plugin.Messages.NameRequest;
import io.dostorage.plugin.Messages.VolumeInfo;
import io.dostorage.deadline.Deadline;
import io.dostorage.volume.InvalidRequestException;
import io.dostorage.volume.Volume;
import io.dostorage.volume.VolumeService;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Docker's volume plugin protocol: every endpoint is a POST with a JSON body, answered with JSON.
 * This class only translates between the wire and {@link VolumeService}; failures become
 * {@code {"Err": "..."}} in {@link ErrorMappers}.
 *
 * <p>Calls that change something run under a {@link Deadline} that fits dockerd's (moby
 * {@code volume/drivers/proxy.go}: Create and Mount 2 min, the others 1 min; a managed plugin's calls
 * only the {@code --timeout} it was enabled with, 30 s after a plain {@code docker plugin enable}),
 * cancelled as soon as dockerd closes the connection, which is what it does when it stops waiting.
 *
 * <p>Calls run on a worker thread, but for Activate and Capabilities, constants answered on the event
 * loop ({@code @NonBlocking}), and a Get or Path that {@link MemoryAnswers} answers before a request
 * reaches this class: dockerd waits for each of these as it starts.
 */
@Path("/")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
class VolumeDriverResource {

    /** The endpoints this plugin serves, as listed in an unknown-endpoint error. */
    static final List<String> ENDPOINTS = List.of("/Plugin.Activate", "/VolumeDriver.Create", "/VolumeDriver.Remove",
            "/VolumeDriver.Mount", "/VolumeDriver.Unmount", "/VolumeDriver.Path", "/VolumeDriver.Get",
            "/VolumeDriver.List", "/VolumeDriver.Capabilities");

    private static final Logger LOG = Logger.getLogger(VolumeDriverResource.class);
    static final String HUNG_UP = "dockerd closed the connection, so nobody waits for this call any more (dockerd gives a "
            + "managed plugin's calls only the --timeout it was enabled with: 30 s after a plain docker plugin enable)";

    /** A valid body of each endpoint, as quoted in Errs about a body. */
    private static final Map<String, String> EXAMPLES = Map.of(
            "/VolumeDriver.Create", "{\"Name\": \"pgdata\", \"Opts\": {\"size\": \"10\"}}",
            "/VolumeDriver.Remove", "{\"Name\": \"pgdata\"}",
            "/VolumeDriver.Mount", "{\"Name\": \"pgdata\", \"ID\": \"<caller id>\"}",
            "/VolumeDriver.Unmount", "{\"Name\": \"pgdata\", \"ID\": \"<caller id>\"}",
            "/VolumeDriver.Path", "{\"Name\": \"pgdata\"}",
            "/VolumeDriver.Get", "{\"Name\": \"pgdata\"}");

    private final VolumeService volumes;

    VolumeDriverResource(VolumeService volumes) {
        this.volumes = volumes;
    }

    /** dockerd sends this, with an empty body, to a plugin it finds by its socket (legacy plugins). */
    @NonBlocking
    @POST
    @Path("Plugin.Activate")
    public ActivateResponse activate() {
        return new ActivateResponse(List.of("VolumeDriver"));
    }

    /** {@code global}: a DigitalOcean volume is one object for the whole cluster, not one per node. */
    @NonBlocking
    @POST
    @Path("VolumeDriver.Capabilities")
    public CapabilitiesResponse capabilities() {
        return new CapabilitiesResponse("global");
    }

    @POST
    @Path("VolumeDriver.Create")
    public ErrResponse create(CreateRequest request, @Context HttpServerRequest http) {
        require(request, "Create");
        volumes.create(request.name(), request.opts(), deadline(http, VolumeService.MOUNT_DEADLINE));
        return ErrResponse.OK;
    }

    @POST
    @Path("VolumeDriver.Remove")
    public ErrResponse remove(NameRequest request, @Context HttpServerRequest http) {
        require(request, "Remove");
        volumes.remove(request.name(), deadline(http, VolumeService.CALL_DEADLINE));
        return ErrResponse.OK;
    }

    @POST
    @Path("VolumeDriver.Mount")
    public MountResponse mount(MountRequest request, @Context HttpServerRequest http) {
        require(request, "Mount");
        Deadline deadline = deadline(http, VolumeService.MOUNT_DEADLINE);
        // At DEBUG, each Mount and Unmount with its time: the gap between dockerd's Unmount and its next
        // Mount of a volume is what UNMOUNT_GRACE must cover (docs/swarm.md has the measurement).
        LOG.debugf("Mount of volume %s by %s", request.name(), request.id());
        long started = System.nanoTime();
        java.nio.file.Path folder = volumes.mount(request.name(), request.id(), deadline);
        LOG.debugf("Mount of volume %s by %s answered in %d ms", request.name(), request.id(), millisSince(started));
        if (deadline.isCancelled()) {
            // dockerd left just as the Mount succeeded: it will never Unmount what it never got.
            LOG.infof("Mount of volume %s by %s succeeded after %s; taking its reference back", request.name(),
                    request.id(), HUNG_UP);
            volumes.unmount(request.name(), request.id());
        }
        return new MountResponse(folder.toString(), "");
    }

    @POST
    @Path("VolumeDriver.Unmount")
    public ErrResponse unmount(MountRequest request, @Context HttpServerRequest http) {
        require(request, "Unmount");
        LOG.debugf("Unmount of volume %s by %s", request.name(), request.id());
        long started = System.nanoTime();
        volumes.unmount(request.name(), request.id(), deadline(http, VolumeService.CALL_DEADLINE));
        LOG.debugf("Unmount of volume %s by %s answered in %d ms", request.name(), request.id(), millisSince(started));
        return ErrResponse.OK;
    }

    /** The mountpoint while mounted here; an empty one while not (Docker asks Path of unmounted volumes too). */
    @POST
    @Path("VolumeDriver.Path")
    public MountResponse path(NameRequest request) {
        require(request, "Path");
        return new MountResponse(volumes.path(request.name()).map(java.nio.file.Path::toString).orElse(""), "");
    }

    @POST
    @Path("VolumeDriver.Get")
    public GetResponse get(NameRequest request) {
        require(request, "Get");
        return getResponse(volumes.get(request.name()));
    }

    /** Get's answer, also given by {@link MemoryAnswers}. */
    static GetResponse getResponse(Volume volume) {
        return new GetResponse(info(volume, true), "");
    }

    @POST
    @Path("VolumeDriver.List")
    public ListResponse list() {
        return new ListResponse(volumes.list().stream().map(v -> info(v, false)).toList(), "");
    }

    private static VolumeInfo info(Volume volume, boolean withStatus) {
        return new VolumeInfo(volume.name(), volume.mountpoint() == null ? null : volume.mountpoint().toString(),
                withStatus ? volume.createdAt().toString() : null, withStatus ? volume.status() : null);
    }

    private static long millisSince(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    /** A deadline of {@code budget} from now that dockerd's hang-up cancels. */
    private static Deadline deadline(HttpServerRequest http, Duration budget) {
        Deadline deadline = Deadline.after(budget);
        HttpServerResponse response = http.response();
        response.closeHandler(closed -> deadline.cancel(HUNG_UP));
        if (response.closed()) {
            deadline.cancel(HUNG_UP);
        }
        return deadline;
    }

    /** A valid body for the endpoint at {@code path}, such as {@code {"Name": "pgdata"}}. */
    static String example(String path) {
        return EXAMPLES.getOrDefault(path, "{}");
    }

    private static void require(Object request, String endpoint) {
        if (request == null) {
            String path = "/VolumeDriver." + endpoint;
            throw new InvalidRequestException("missing request body: " + path + " expects JSON such as " + example(path));
        }
    }
}
