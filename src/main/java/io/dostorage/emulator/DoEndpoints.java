package io.dostorage.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The endpoints of DO's API v2 the emulator serves: those the plugin calls
 * ({@code io.dostorage.digitalocean.DigitalOceanApi}), and creating a volume snapshot, the one way
 * to get a snapshot a volume can be restored from ({@code -o snapshot}). Each reads its
 * {@link Call}, asks the {@link Cloud} and renders the answer with {@link Wire}.
 */
final class DoEndpoints {

    private DoEndpoints() {
    }

    static Routes routes(Cloud cloud) {
        Routes routes = new Routes();

        routes.add("GET", "/v2/volumes", call -> Reply.json(200,
                call.page("volumes", cloud.volumes(call.query("name"), call.query("region")), Wire::volume)));
        routes.add("POST", "/v2/volumes", call -> Reply.json(201, wrap("volume", Wire.volume(cloud.createVolume(
                new Cloud.NewVolume(call.text("name"), call.integer("size_gigabytes"), call.text("region"),
                        call.text("description"), call.text("snapshot_id"), call.strings("tags")))))));
        routes.add("GET", "/v2/volumes/{volume_id}", call ->
                Reply.json(200, wrap("volume", Wire.volume(cloud.volume(call.param("volume_id"))))));
        routes.add("DELETE", "/v2/volumes/{volume_id}", call -> {
            cloud.deleteVolume(call.param("volume_id"));
            return Reply.noContent();
        });

        routes.add("POST", "/v2/volumes/{volume_id}/actions", call ->
                Reply.json(202, wrap("action", Wire.action(cloud.startAction(call.param("volume_id"), actionOf(call))))));
        routes.add("GET", "/v2/actions/{action_id}", call ->
                Reply.json(200, wrap("action", Wire.action(cloud.action(call.longParam("action_id"))))));

        routes.add("POST", "/v2/volumes/{volume_id}/snapshots", call -> Reply.json(201, wrap("snapshot", Wire.snapshot(
                cloud.createSnapshot(call.param("volume_id"), call.text("name"), call.strings("tags"))))));

        routes.add("GET", "/v2/droplets/{droplet_id}", call -> {
            StateDocument.Droplet droplet = cloud.droplet(call.longParam("droplet_id"));
            return Reply.json(200, wrap("droplet", Wire.droplet(droplet, cloud.attachedVolumeIds(droplet.id()))));
        });

        routes.add("POST", "/v2/tags", call -> Reply.json(201, wrap("tag", tag(cloud.createTag(call.text("name"))))));
        routes.add("POST", "/v2/tags/{tag_id}/resources", call -> {
            cloud.tagResources(call.param("tag_id"), resourcesOf(call));
            return Reply.noContent();
        });
        return routes;
    }

    private static ObjectNode wrap(String key, JsonNode value) {
        ObjectNode out = Wire.object();
        out.set(key, value);
        return out;
    }

    private static Cloud.ActionRequest actionOf(Call call) {
        return new Cloud.ActionRequest(call.text("type"), call.longValue("droplet_id"), call.integer("size_gigabytes"),
                call.text("region"));
    }

    private static List<Cloud.Resource> resourcesOf(Call call) {
        JsonNode resources = call.json().get("resources");
        if (resources == null || !resources.isArray()) {
            throw DoApiError.badRequest(DoErrorText.PARSE_ERROR);
        }
        List<Cloud.Resource> out = new ArrayList<>();
        for (JsonNode resource : resources) {
            JsonNode id = resource.get("resource_id");
            JsonNode type = resource.get("resource_type");
            if (id == null || !id.isTextual() || type == null || !type.isTextual()) {
                throw DoApiError.badRequest(DoErrorText.PARSE_ERROR);
            }
            out.add(new Cloud.Resource(id.asText(), type.asText()));
        }
        return out;
    }

    private static JsonNode tag(Cloud.TagCounts counts) {
        return Wire.tag(counts.name(), counts.volumes(), counts.volumeSnapshots());
    }
}
