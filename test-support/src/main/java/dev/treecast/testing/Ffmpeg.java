package dev.treecast.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;

/** Finds the ffmpeg binary that tests drive as a real encoder. */
public final class Ffmpeg {
    private Ffmpeg() {
    }

    /** The ffmpeg on PATH (or in $FFMPEG), if there is one. */
    public static Optional<Path> find() {
        String env = System.getenv("FFMPEG");
        if (env != null && Files.isExecutable(Path.of(env))) {
            return Optional.of(Path.of(env));
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "ffmpeg");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * The ffmpeg binary, or skips the calling test with a message that says how to install it. CI installs
     * ffmpeg, so there the test always runs.
     */
    public static Path require() {
        Optional<Path> found = find();
        Assumptions.assumeTrue(found.isPresent(),
                "ffmpeg is not installed: this test drives a real encoder (apt-get install ffmpeg, or set $FFMPEG)");
        return found.get();
    }
}
