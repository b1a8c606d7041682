package io.dostorage.volume;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VolumeNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "pgdata", "pg-data-2", "x-", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd"})
    void acceptsDigitalOceanNames(String name) {
        assertEquals(name, VolumeName.check(name));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "PgData | invalid volume name \"PgData\": it starts with \"P\"",
            "pgData | invalid volume name \"pgData\": \"D\" is not allowed",
            "1pg    | invalid volume name \"1pg\": it starts with \"1\"",
            "-pg    | invalid volume name \"-pg\": it starts with \"-\"",
            "pg/x   | invalid volume name \"pg/x\": \"/\" is not allowed",
            "..     | invalid volume name \"..\": it starts with \".\"",
            "a..b   | invalid volume name \"a..b\": \".\" is not allowed",
            "pg_x   | invalid volume name \"pg_x\": \"_\" is not allowed",
            "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde | invalid volume name \"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde\": it has 65 characters",
    })
    void refusesOthersSayingWhatIsWrongAndWhatIsAllowed(String name, String problem) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> VolumeName.check(name));
        assertEquals(problem + "; a volume name is 1 to 64 lowercase letters, digits and '-', starting with a letter "
                + "(DigitalOcean's rule for volume names)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {""})
    void refusesAnEmptyName(String name) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> VolumeName.check(name));
        assertEquals("missing volume name: a volume name is 1 to 64 lowercase letters, digits and '-', starting with "
                + "a letter (DigitalOcean's rule for volume names)", e.getMessage());
        assertThrows(InvalidRequestException.class, () -> VolumeName.check(null));
    }

    @org.junit.jupiter.api.Test
    void controlCharactersAreShownEscaped() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> VolumeName.check("a\nb"));
        assertEquals(true, e.getMessage().startsWith("invalid volume name \"a\\u000ab\""), e.getMessage());
    }
}
