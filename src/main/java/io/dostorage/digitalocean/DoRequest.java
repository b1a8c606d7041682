package io.dostorage.digitalocean;

import io.dostorage.json.Json;
import io.dostorage.json.JsonObject;
import io.dostorage.json.JsonSyntaxException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.Response;

import java.util.function.Function;

/**
 * One call of DigitalOcean's API v2: what it is in a log line (method and path, never a header, so
 * never the token), how the REST client sends it, and how its successful answer is read. Every call the plugin makes is one of these, and goes through {@link DoCalls#send}, so that
 * one retry policy and one circuit breaker see them all.
 */
record DoRequest<T>(String what, Function<DigitalOceanApi, Response> send, Function<Response, T> read) {

    /** The largest page DO serves (OpenAPI: per_page maximum 200). */
    static final int MAX_PAGE_SIZE = 200;

    static DoRequest<DoWire.VolumePage> listVolumes(String name, String region, int page) {
        return new DoRequest<>("GET /v2/volumes?" + (name == null ? "" : "name=" + name + "&") + "region=" + region + "&page=" + page,
                api -> api.listVolumes(name, region, page, MAX_PAGE_SIZE), r -> DoWire.VolumePage.from(answer(r)));
    }

    static DoRequest<DoWire.Volume> getVolume(String id) {
        return new DoRequest<>("GET /v2/volumes/" + id, api -> api.getVolume(id),
                r -> DoWire.Volume.from(answer(r, "volume")));
    }

    static DoRequest<DoWire.Volume> createVolume(DoWire.NewVolume volume) {
        return new DoRequest<>("POST /v2/volumes (" + volume.name() + ")", api -> api.createVolume(Json.write(volume.json())),
                r -> DoWire.Volume.from(answer(r, "volume")));
    }

    static DoRequest<Void> deleteVolume(String id) {
        return new DoRequest<>("DELETE /v2/volumes/" + id, api -> api.deleteVolume(id), r -> null);
    }

    static DoRequest<DoWire.Action> volumeAction(String volumeId, DoWire.VolumeAction action) {
        return new DoRequest<>("POST /v2/volumes/" + volumeId + "/actions (" + action.type() + ")",
                api -> api.volumeAction(volumeId, Json.write(action.json())), r -> DoWire.Action.from(answer(r, "action")));
    }

    static DoRequest<DoWire.Action> getAction(long id) {
        return new DoRequest<>("GET /v2/actions/" + id, api -> api.getAction(id), r -> DoWire.Action.from(answer(r, "action")));
    }

    static DoRequest<DoWire.Droplet> getDroplet(long id) {
        return new DoRequest<>("GET /v2/droplets/" + id, api -> api.getDroplet(id),
                r -> DoWire.Droplet.from(answer(r, "droplet")));
    }

    static DoRequest<Void> createTag(String tag) {
        return new DoRequest<>("POST /v2/tags (" + tag + ")", api -> api.createTag(Json.write(DoWire.newTag(tag))), r -> null);
    }

    static DoRequest<Void> tagVolume(String tag, String volumeId) {
        return new DoRequest<>("POST /v2/tags/" + tag + "/resources",
                api -> api.tagResources(tag, Json.write(DoWire.taggedVolume(volumeId))), r -> null);
    }

    /** The JSON object of a successful answer; text that is not JSON fails as an unreadable answer. */
    static JsonObject answer(Response response) {
        String text = response.readEntity(String.class);
        try {
            return JsonObject.parse(text == null ? "" : text);
        } catch (JsonSyntaxException e) {
            throw new ProcessingException("the answer is " + e.getMessage());
        }
    }

    /** The object {@code field} of the answer, such as {@code {"volume": {...}}}'s. */
    private static JsonObject answer(Response response, String field) {
        JsonObject object = answer(response).object(field);
        if (object == null) {
            throw new ProcessingException("the answer has no \"" + field + "\" object");
        }
        return object;
    }
}
