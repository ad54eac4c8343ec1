package dev.treecast.media;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The committed demo clip, read from the ingest module next to this one. */
final class DemoClip {
    static final Path PATH = Path.of("..", "ingest", "src", "main", "resources", "clips", "demo.mp4");

    private DemoClip() {
    }

    static byte[] bytes() {
        try {
            return Files.readAllBytes(PATH);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the demo clip at " + PATH.toAbsolutePath(), e);
        }
    }
}
