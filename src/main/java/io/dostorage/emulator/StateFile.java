package io.dostorage.emulator;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The state file: JSON, replaced atomically (a temporary file in the same folder, then a rename),
 * so a reader, or a process started after a {@code kill -9}, sees either the old or the new state,
 * never half of one. No fsync: the file has to outlive the process, not the machine.
 */
final class StateFile {

    private final Path file;
    private final ObjectMapper json;

    StateFile(Path file, ObjectMapper json) {
        this.file = file.toAbsolutePath();
        this.json = json;
    }

    Path path() {
        return file;
    }

    Optional<StateDocument> load() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            StateDocument doc = json.readValue(file.toFile(), StateDocument.class);
            if (doc.version() != StateDocument.VERSION) {
                throw new IllegalStateException("state file " + file + " has version " + doc.version()
                        + ", this emulator reads version " + StateDocument.VERSION);
            }
            return Optional.of(doc);
        } catch (IOException e) {
            throw new UncheckedIOException("reading emulator state file " + file, e);
        }
    }

    void save(StateDocument doc) {
        try {
            Path dir = file.getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                json.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), doc);
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing emulator state file " + file, e);
        }
    }
}
