package io.dostorage.volume;

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
        assertEquals(new VolumeOptions(10, "ext4", null, null, List.of(), null, null, null), options);
    }

    @Test
    void everyKnownOptionIsCheckedAndKeptInCanonicalForm() {
        VolumeOptions options = VolumeOptions.withDefaults(Map.of("size", "0100", "fstype", "xfs",
                "snapshot", "8fa70202-873f-11e6-8b68-000f533176b1", "description", "Postgres data",
                "tags", "env:prod,team_db", "subpath", "pg/data", "takeover", "never", "remove", "keep"), 10, "ext4");

        assertEquals(new VolumeOptions(100, "xfs", "8fa70202-873f-11e6-8b68-000f533176b1", "Postgres data",
                List.of("env:prod", "team_db"), "pg/data", "never", "keep"), options);
        assertEquals(options, VolumeOptions.fromMap(options.toMap()), "what is stored reads back the same");
    }

    @Test
    void unknownKeysAreRefusedWithTheListOfKnownOnes() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> VolumeOptions.check(Map.of("size", "1", "sise", "1")));
        assertEquals("unknown option \"sise\": known options are description, fstype, remove, size, snapshot, subpath, tags, takeover",
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
    })
    void badValuesAreRefusedSayingWhatIsAllowed(String key, String value, String allowed) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> VolumeOptions.check(Map.of(key, value)));
        assertTrue(e.getMessage().startsWith("invalid option " + key + "=\"" + value + "\": " + allowed), e.getMessage());
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
