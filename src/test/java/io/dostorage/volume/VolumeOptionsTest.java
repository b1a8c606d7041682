package io.dostorage.volume;

import io.dostorage.host.MountSpec;
import io.dostorage.host.Ownership;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VolumeOptionsTest {

    @Test
    void defaultsFillWhatIsLeftOut() {
        VolumeOptions options = VolumeOptions.withDefaults(null, 10, "ext4");
        assertEquals(new VolumeOptions(10, "ext4", null, null, List.of(), null, null, null, null, null, null, null), options);
    }

    @Test
    void everyKnownOptionIsCheckedAndKeptInCanonicalForm() {
        VolumeOptions options = VolumeOptions.withDefaults(Map.of("size", "0100", "fstype", "xfs",
                "snapshot", "8fa70202-873f-11e6-8b68-000f533176b1", "description", "Postgres data",
                "tags", "env:prod,team_db", "subpath", "pg/data", "takeover", "never", "remove", "keep"), 10, "ext4");

        assertEquals(new VolumeOptions(100, "xfs", "8fa70202-873f-11e6-8b68-000f533176b1", "Postgres data",
                List.of("env:prod", "team_db"), "pg/data", "never", "keep", null, null, null, null), options);
        assertEquals(options, VolumeOptions.fromMap(options.toMap()), "what is stored reads back the same");
    }

    @Test
    void ownerModeAndMountOptionsAreKeptInCanonicalForm() {
        VolumeOptions options = VolumeOptions.withDefaults(Map.of("mountopts", "lazytime, relatime,lazytime",
                "uid", "0999", "gid", "70", "mode", "750"), 10, "ext4");

        assertEquals(new VolumeOptions(10, "ext4", null, null, List.of(), null, null, null, "relatime,lazytime",
                999, 70, 0750), options);
        assertEquals(Map.of("size", "10", "fstype", "ext4", "mountopts", "relatime,lazytime", "uid", "999", "gid", "70",
                "mode", "0750"), options.toMap());
        assertEquals(options, VolumeOptions.fromMap(options.toMap()), "what is stored reads back the same");
        assertEquals(new MountSpec("ext4", List.of("discard", "relatime", "lazytime"), new Ownership(999, 70, 0750)),
                options.mountSpec(), "each given mount option replaces the default of its kind");
    }

    @Test
    void aBlockVolumeIsMountedWithDigitalOceansDiscardAndNoatimeByDefault() {
        assertEquals(new MountSpec("xfs", List.of("discard", "noatime"), Ownership.NONE),
                VolumeOptions.withDefaults(Map.of(), 10, "xfs").mountSpec());
        assertEquals(List.of("nodiscard", "noatime"),
                VolumeOptions.withDefaults(Map.of("mountopts", "nodiscard"), 10, "ext4").mountSpec().options());
        assertEquals(List.of("discard", "strictatime"),
                VolumeOptions.withDefaults(Map.of("mountopts", "strictatime"), 10, "ext4").mountSpec().options());
    }

    @Test
    void mountOptionsThatChangeWhatTheVolumeMayDoOnTheHostAreRefusedWithTheAllowedList() {
        for (String option : List.of("suid", "nosuid", "dev", "nodev", "exec", "noexec")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> VolumeOptions.check(Map.of("mountopts", "noatime," + option)));
            assertEquals("invalid option mountopts=\"noatime," + option + "\": mountopts must be a comma-separated list "
                    + "of discard, nodiscard, noatime, relatime, strictatime, lazytime, at most one of discard/nodiscard and "
                    + "one of noatime/relatime/strictatime; each replaces the default of its kind (default discard,noatime); "
                    + option + " is not allowed: it decides what the volume's programs and device files may do on the "
                    + "host, which a volume option may not change", e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ro               | ro is not allowed: the plugin mounts a volume once for every container on this node",
            "nobarrier        | nobarrier is not allowed: it gives up the filesystem's crash safety, and xfs refuses it",
            "noatime,relatime | noatime and relatime contradict each other",
            "discard,nodiscard| discard and nodiscard contradict each other",
            "data=journal     | \"data=journal\" is not one of them",
    })
    void otherMountOptionsAreRefusedSayingWhy(String value, String why) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> VolumeOptions.check(Map.of("mountopts", value)));
        assertTrue(e.getMessage().startsWith("invalid option mountopts=\"" + value + "\": mountopts must be a "
                + "comma-separated list of discard, nodiscard, noatime, relatime, strictatime, lazytime"), e.getMessage());
        assertTrue(e.getMessage().contains("; " + why), e.getMessage());
    }

    @Test
    void unknownKeysAreRefusedWithTheListOfKnownOnes() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> VolumeOptions.check(Map.of("size", "1", "sise", "1")));
        assertEquals("unknown option \"sise\": known options are description, fstype, gid, mode, mountopts, remove, size, snapshot, subpath, tags, takeover, uid",
                e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "size     | -3      | size must be a whole number of GiB from 1 to 16384",
            "size     | 0       | size must be a whole number of GiB from 1 to 16384",
            "size     | abc     | size must be a whole number of GiB from 1 to 16384",
            "size     | 16385   | size must be a whole number of GiB from 1 to 16384",
            "size     | 1.5     | size must be a whole number of GiB from 1 to 16384",
            "fstype   | btrfs   | fstype must be one of ext4, xfs",
            "takeover | steal   | takeover must be one of wait, force, never",
            "remove   | always  | remove must be one of keep, delete, delete-created",
            "snapshot | a/b     | snapshot must be a DigitalOcean snapshot id",
            "tags     | a b     | tags must be a comma-separated list of DigitalOcean tags",
            "tags     | a,,b    | tags must be a comma-separated list of DigitalOcean tags",
            "subpath  | ../etc  | subpath must be a relative folder inside the volume",
            "subpath  | /data   | subpath must be a relative folder inside the volume",
            "subpath  | a//b    | subpath must be a relative folder inside the volume",
            "subpath  | a/./b   | subpath must be a relative folder inside the volume",
            "uid      | abc     | uid must be a whole number from 0 to 2147483647",
            "uid      | -1      | uid must be a whole number from 0 to 2147483647",
            "uid      | 2147483648 | uid must be a whole number from 0 to 2147483647",
            "uid      | 1e3     | uid must be a whole number from 0 to 2147483647",
            "gid      | 12345678901 | gid must be a whole number from 0 to 2147483647",
            "gid      | ' 70'   | gid must be a whole number from 0 to 2147483647",
            "mode     | 0855    | mode must be an octal mode of 3 or 4 digits from 000 to 7777, such as 0750 or 750",
            "mode     | 75      | mode must be an octal mode of 3 or 4 digits from 000 to 7777, such as 0750 or 750",
            "mode     | 17777   | mode must be an octal mode of 3 or 4 digits from 000 to 7777, such as 0750 or 750",
            "mode     | rwxr-x--- | mode must be an octal mode of 3 or 4 digits from 000 to 7777, such as 0750 or 750",
            "mountopts | ''     | mountopts must be a comma-separated list of discard, nodiscard, noatime",
    })
    void badValuesAreRefusedSayingWhatIsAllowed(String key, String value, String allowed) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> VolumeOptions.check(Map.of(key, value)));
        assertTrue(e.getMessage().startsWith("invalid option " + key + "=\"" + value + "\": " + allowed), e.getMessage());
    }

    @Test
    void theInvalidUidMessageReadsAsDocumented() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> VolumeOptions.check(Map.of("uid", "abc")));
        assertEquals("invalid option uid=\"abc\": uid must be a whole number from 0 to 2147483647", e.getMessage());
    }

    @Test
    void anOptionWithoutValueIsRefused() {
        Map<String, String> given = new HashMap<>();
        given.put("size", null);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> VolumeOptions.check(given));
        assertTrue(e.getMessage().startsWith("invalid option size=(no value)"), e.getMessage());
    }

    @Test
    void onlyGivenOptionsAreReturnedByCheck() {
        Map<String, String> canonical = VolumeOptions.check(Map.of("size", "007"));
        assertEquals(Map.of("size", "7"), canonical);
        assertNull(canonical.get("fstype"));
    }
}
