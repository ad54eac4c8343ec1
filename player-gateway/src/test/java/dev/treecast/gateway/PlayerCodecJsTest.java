package dev.treecast.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The player page's own treecast/1 codec ({@code treecast.js}) and signature check ({@code signature.js}) against
 * bytes and signatures produced by the Java side: {@code node --test} in {@code src/test/js}. Needs node (skipped
 * without it, a failure where a browser is required, as in CI).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PlayerCodecJsTest {
    @Test
    void thePagesCodecAndSignatureCheckAgreeWithTheJavaSideByteForByte() throws Exception {
        Process probe;
        try {
            probe = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            probe.waitFor(10, TimeUnit.SECONDS);
        } catch (java.io.IOException e) {
            probe = null;
        }
        boolean node = probe != null && probe.exitValue() == 0;
        if ("1".equals(System.getenv("TREECAST_REQUIRE_BROWSER"))) {
            assertThat(node).as("node is installed").isTrue();
        } else {
            Assumptions.assumeTrue(node, "node is not installed");
        }
        Process tests = new ProcessBuilder("node", "--test", "treecast.test.mjs", "signature.test.mjs")
                .directory(Path.of("src", "test", "js").toFile()).redirectErrorStream(true).start();
        String output = new String(tests.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tests.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(tests.exitValue()).as(output).isZero();
        assertThat(output).contains("# fail 0");
    }
}
