package io.dostorage.plugin;

import io.dostorage.json.Json;

import java.util.List;
import java.util.Map;

/**
 * The wire types of Docker's volume plugin protocol (docs.docker.com, "Docker volume plugins",
 * and "Docker Plugin API"): JSON bodies with capitalised keys, read and written by
 * {@link ProtocolJson}. Unknown fields in requests are ignored, as newer dockerd versions may send
 * more.
 */
final class Messages {

    private Messages() {
    }

    /** A body Docker sends, read by {@link ProtocolJson}. */
    sealed interface Request permits CreateRequest, NameRequest, MountRequest {
    }

    /** A body the plugin answers with. */
    interface Reply {

        /** Its JSON object, the fields in the order of the protocol's documentation; a null field is left out. */
        Map<String, Object> json();
    }

    /** {@code /VolumeDriver.Create}: {@code Opts} is {@code null} when the user gave no {@code -o}. */
    record CreateRequest(String name, Map<String, String> opts) implements Request {

        static CreateRequest from(RequestFields body) {
            return new CreateRequest(body.string("Name"), body.strings("Opts"));
        }
    }

    /** {@code /VolumeDriver.Remove}, {@code .Path}, {@code .Get}. */
    record NameRequest(String name) implements Request {

        static NameRequest from(RequestFields body) {
            return new NameRequest(body.string("Name"));
        }
    }

    /** {@code /VolumeDriver.Mount}, {@code .Unmount}: {@code ID} identifies the caller of this mount. */
    record MountRequest(String name, String id) implements Request {

        static MountRequest from(RequestFields body) {
            return new MountRequest(body.string("Name"), body.string("ID"));
        }
    }

    /** Every failed call, and the calls that answer nothing else. {@code Err} is empty on success. */
    record ErrResponse(String err) implements Reply {
        static final ErrResponse OK = new ErrResponse("");

        @Override
        public Map<String, Object> json() {
            return Json.object("Err", err);
        }
    }

    record ActivateResponse(List<String> implementsList) implements Reply {

        @Override
        public Map<String, Object> json() {
            return Json.object("Implements", implementsList);
        }
    }

    record MountResponse(String mountpoint, String err) implements Reply {

        @Override
        public Map<String, Object> json() {
            return Json.object("Mountpoint", mountpoint, "Err", err);
        }
    }

    /** In a List, only {@code Name} and {@code Mountpoint}: the rest is left out (null). */
    record VolumeInfo(String name, String mountpoint, String createdAt, Map<String, Object> status) implements Reply {

        @Override
        public Map<String, Object> json() {
            return Json.object("Name", name, "Mountpoint", mountpoint, "CreatedAt", createdAt, "Status", status);
        }
    }

    record GetResponse(VolumeInfo volume, String err) implements Reply {

        @Override
        public Map<String, Object> json() {
            return Json.object("Volume", volume.json(), "Err", err);
        }
    }

    record ListResponse(List<VolumeInfo> volumes, String err) implements Reply {

        @Override
        public Map<String, Object> json() {
            return Json.object("Volumes", volumes.stream().map(VolumeInfo::json).toList(), "Err", err);
        }
    }

    record CapabilitiesResponse(String scope) implements Reply {

        @Override
        public Map<String, Object> json() {
            return Json.object("Capabilities", Json.object("Scope", scope));
        }
    }
}
