package dev.treecast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.treecast.protocol.auth.AccessToken;
import dev.treecast.protocol.control.Role;
import picocli.CommandLine;

/** {@code treecast token}: the operator key, and viewer and relay tokens that check against it. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TokenCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run token(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        TokenCommand command = new TokenCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit = new CommandLine(command).execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8).strip(), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aNewOperatorKeyMintsViewerAndRelayTokensThatCheckAgainstItsPublicKey() throws Exception {
        Path key = dir.resolve("op.pem");
        Run made = token("--new-operator-key", key.toString());
        assertThat(made.exit()).as(made.err()).isZero();
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        byte[] publicKey = Base64.getDecoder().decode(made.out());
        assertThat(publicKey).hasSize(32);
        AccessToken.Verifier verifier = new AccessToken.Verifier(publicKey);
        long now = System.currentTimeMillis() / 1000;

        Run viewer = token("--operator-key-file", key.toString(), "--broadcast", "final", "--ttl", "2h",
                "--region", "eu-west", "--id", "seat-42");
        assertThat(viewer.exit()).as(viewer.err()).isZero();
        AccessToken.Check check = verifier.verify(viewer.out(), now, Role.VIEWER, "final", "eu-west");
        assertThat(check.ok()).as(check.reason()).isTrue();
        assertThat(check.token().expires()).isBetween(now + 7200 - 5, now + 7200 + 5);
        assertThat(check.token().id()).isEqualTo("seat-42");
        assertThat(viewer.err()).contains("viewer token for 'final' in region 'eu-west'").doesNotContain(viewer.out());

        Run relay = token("--operator-key-file", key.toString(), "--relay", "--ttl", "30d");
        assertThat(relay.exit()).as(relay.err()).isZero();
        check = verifier.verify(relay.out(), now, Role.RELAY, null, null);
        assertThat(check.ok()).as(check.reason()).isTrue();
        assertThat(check.token().expires()).isBetween(now + 30 * 86400 - 5, now + 30 * 86400 + 5);
        assertThat(verifier.verify(token("--operator-key-file", key.toString(), "--broadcast", "b", "--ttl", "90m")
                .out(), now + 90 * 60 + 5).failure()).isEqualTo(AccessToken.Failure.EXPIRED);
    }

    @Test
    void anExistingKeyIsNeverOverwrittenAndUnclearRequestsAreRefused() throws Exception {
        Path key = dir.resolve("op.pem");
        assertThat(token("--new-operator-key", key.toString()).exit()).isZero();
        String pem = Files.readString(key);
        Run again = token("--new-operator-key", key.toString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("exists already");
        assertThat(Files.readString(key)).isEqualTo(pem);

        assertThat(token().exit()).isEqualTo(2);
        assertThat(token("--operator-key-file", key.toString(), "--ttl", "2h").err())
                .contains("either for a viewer (--broadcast B) or for a relay (--relay)");
        assertThat(token("--operator-key-file", key.toString(), "--broadcast", "b", "--relay", "--ttl", "2h").exit())
                .isEqualTo(2);
        assertThat(token("--operator-key-file", key.toString(), "--broadcast", "b").err()).contains("--ttl 2h");
        assertThat(token("--operator-key-file", key.toString(), "--relay", "--region", "x", "--ttl", "1d").exit())
                .isEqualTo(2);
        assertThat(token("--operator-key-file", key.toString(), "--broadcast", "b", "--ttl", "2w").exit())
                .as("an unknown unit").isEqualTo(2);
        assertThat(token("--operator-key-file", key.toString(), "--broadcast", "has space", "--ttl", "1h").exit())
                .isEqualTo(2);
    }
}
