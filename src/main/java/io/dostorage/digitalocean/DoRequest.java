package io.dostorage.digitalocean;

import jakarta.ws.rs.core.Response;

import java.util.List;
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
                api -> api.listVolumes(name, region, page, MAX_PAGE_SIZE),
                r -> r.readEntity(DoWire.VolumePage.class));
    }

    static DoRequest<DoWire.Volume> getVolume(String id) {
        return new DoRequest<>("GET /v2/volumes/" + id, api -> api.getVolume(id), r -> r.readEntity(DoWire.VolumeEnvelope.class).volume());
    }

    static DoRequest<DoWire.Volume> createVolume(DoWire.NewVolume volume) {
        return new DoRequest<>("POST /v2/volumes (" + volume.name() + ")", api -> api.createVolume(volume), r -> r.readEntity(DoWire.VolumeEnvelope.class).volume());
    }

    static DoRequest<Void> deleteVolume(String id) {
        return new DoRequest<>("DELETE /v2/volumes/" + id, api -> api.deleteVolume(id), r -> null);
    }

    static DoRequest<DoWire.Action> volumeAction(String volumeId, DoWire.VolumeAction action) {
        return new DoRequest<>("POST /v2/volumes/" + volumeId + "/actions (" + action.type() + ")",
                api -> api.volumeAction(volumeId, action),
                r -> r.readEntity(DoWire.ActionEnvelope.class).action());
    }

    static DoRequest<DoWire.Action> getAction(long id) {
        return new DoRequest<>("GET /v2/actions/" + id, api -> api.getAction(id), r -> r.readEntity(DoWire.ActionEnvelope.class).action());
    }

    static DoRequest<DoWire.Droplet> getDroplet(long id) {
        return new DoRequest<>("GET /v2/droplets/" + id, api -> api.getDroplet(id), r -> r.readEntity(DoWire.DropletEnvelope.class).droplet());
    }

    static DoRequest<Void> createTag(String tag) {
        return new DoRequest<>("POST /v2/tags (" + tag + ")", api -> api.createTag(new DoWire.NewTag(tag)), r -> null);
    }

    static DoRequest<Void> tagVolume(String tag, String volumeId) {
        return new DoRequest<>("POST /v2/tags/" + tag + "/resources", api -> api.tagResources(tag,
                new DoWire.TagResources(List.of(new DoWire.TagResource(volumeId, "volume")))), r -> null);
    }
}
