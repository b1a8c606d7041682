package io.dostorage.digitalocean;

import io.dostorage.json.Json;
import io.dostorage.json.JsonObject;
import io.dostorage.volume.CloudAction;
import io.dostorage.volume.DoDroplet;
import io.dostorage.volume.DoVolume;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * The JSON of DigitalOcean's API v2, as far as the plugin reads or writes it (see the OpenAPI
 * description in {@code shared/do-api}): snake_case fields. Answers are read leniently
 * ({@link JsonObject}): fields the plugin does not use are ignored, so DO may add fields freely,
 * and one of an unexpected type reads as absent.
 */
final class DoWire {

    private DoWire() {
    }

    /** DO's times are ISO 8601 in UTC ({@code 2020-03-02T17:00:49Z}); one that is not is left out. */
    private static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    record Volume(String id, String name, String description, Integer sizeGigabytes, List<Long> dropletIds,
                  Region region, String createdAt, String filesystemType, List<String> tags) {

        /** Null for no object (an answer without its {@code volume}). */
        static Volume from(JsonObject o) {
            return o == null ? null : new Volume(o.string("id"), o.string("name"), o.string("description"),
                    o.integer("size_gigabytes"), o.longs("droplet_ids"), Region.from(o.object("region")),
                    o.string("created_at"), o.string("filesystem_type"), o.strings("tags"));
        }

        DoVolume toDoVolume() {
            return new DoVolume(id, name, region == null ? null : region.slug(), sizeGigabytes == null ? 0 : sizeGigabytes,
                    dropletIds, description, tags, filesystemType == null || filesystemType.isEmpty() ? null : filesystemType,
                    instant(createdAt));
        }
    }

    record Region(String slug, String name) {

        static Region from(JsonObject o) {
            return o == null ? null : new Region(o.string("slug"), o.string("name"));
        }
    }

    /**
     * A page of GET /v2/volumes: {@code links.pages.next} is there while more pages follow,
     * {@code meta.total} counts them all.
     */
    record VolumePage(List<Volume> volumes, String next, Integer total) {

        static VolumePage from(JsonObject o) {
            JsonObject links = o.object("links");
            JsonObject pages = links == null ? null : links.object("pages");
            JsonObject meta = o.object("meta");
            return new VolumePage(o.objects("volumes").stream().map(Volume::from).toList(),
                    pages == null ? null : pages.string("next"), meta == null ? null : meta.integer("total"));
        }
    }

    /** POST /v2/volumes. */
    record NewVolume(String name, Integer sizeGigabytes, String region, String description, String snapshotId,
                     List<String> tags) {

        Map<String, Object> json() {
            return Json.object("name", name, "size_gigabytes", sizeGigabytes, "region", region, "description", description,
                    "snapshot_id", snapshotId, "tags", tags);
        }
    }

    /** POST /v2/volumes/{id}/actions: attach, detach (droplet_id) or resize (size_gigabytes). */
    record VolumeAction(String type, Long dropletId, String region, Integer sizeGigabytes) {

        Map<String, Object> json() {
            return Json.object("type", type, "droplet_id", dropletId, "region", region, "size_gigabytes", sizeGigabytes);
        }
    }

    record Action(long id, String status, String type, String startedAt, String completedAt, String regionSlug) {

        /** Null for no object (an answer without its {@code action}); an action without an id has id 0. */
        static Action from(JsonObject o) {
            if (o == null) {
                return null;
            }
            Long id = o.longNumber("id");
            return new Action(id == null ? 0 : id, o.string("status"), o.string("type"), o.string("started_at"),
                    o.string("completed_at"), o.string("region_slug"));
        }

        /** DO's statuses are {@code in-progress}, {@code completed} and {@code errored}. */
        CloudAction toCloudAction() {
            CloudAction.Status state = switch (status == null ? "" : status) {
                case "completed" -> CloudAction.Status.COMPLETED;
                case "errored" -> CloudAction.Status.ERRORED;
                default -> CloudAction.Status.IN_PROGRESS;
            };
            return new CloudAction(id, type, state, instant(startedAt));
        }
    }

    record Droplet(long id, String name, String status, List<String> volumeIds, Region region) {

        static Droplet from(JsonObject o) {
            if (o == null) {
                return null;
            }
            Long id = o.longNumber("id");
            return new Droplet(id == null ? 0 : id, o.string("name"), o.string("status"), o.strings("volume_ids"),
                    Region.from(o.object("region")));
        }

        DoDroplet toDoDroplet() {
            return new DoDroplet(id, name, status, region == null ? null : region.slug(), volumeIds);
        }
    }

    /** Every DO error: {@code {"id": "not_found", "message": "...", "request_id": "..."}}. */
    record Error(String id, String message, String requestId) {

        static Error from(JsonObject o) {
            return new Error(o.string("id"), o.string("message"), o.string("request_id"));
        }
    }

    /** POST /v2/tags. */
    static Map<String, Object> newTag(String name) {
        return Json.object("name", name);
    }

    /** POST /v2/tags/{tag}/resources, for one volume. */
    static Map<String, Object> taggedVolume(String volumeId) {
        return Json.object("resources", List.of(Json.object("resource_id", volumeId, "resource_type", "volume")));
    }
}
