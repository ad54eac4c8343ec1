package dev.treecast.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/** What the headless-Chromium tests share: finding the browser and Node, and skipping or failing without them. */
public final class Browser {
    private Browser() {
    }

    /**
     * Skips the test when {@code present} is false, or fails it when the browser tests are required
     * ({@code TREECAST_REQUIRE_BROWSER=1}, as in CI, or {@code -Dtreecast.requireBrowser=true}).
     */
    public static void require(boolean present, String what) {
        if (Boolean.getBoolean("treecast.requireBrowser") || "1".equals(System.getenv("TREECAST_REQUIRE_BROWSER"))) {
            assertThat(present).as(what).isTrue();
        } else {
            Assumptions.assumeTrue(present, what);
        }
    }

    /** The Chromium executable ({@code $CHROMIUM}, then Debian's paths), or null. */
    public static String chromium() {
        String env = System.getenv("CHROMIUM");
        for (String candidate : new String[] {env, "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (candidate != null && Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    /** True when {@code command} runs and exits 0 within 20 s (e.g. {@code node --version}). */
    public static boolean commandWorks(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
