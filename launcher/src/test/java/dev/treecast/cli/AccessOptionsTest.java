package dev.treecast.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import picocli.CommandLine;

/** The access options of {@code treecast relay} and {@code treecast ingest} parse as the README writes them. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AccessOptionsTest {
    private static final String KEY = "nXNaPr/Lqt+eB33fD0w1R+VH/ep5EmxwBVjU6eSS584=";

    @Test
    void aRelayTakesTheOperatorKeyItsFleetTokenAndTheBroadcastKeyAsBase64() {
        RelayCommand relay = new RelayCommand();
        new CommandLine(relay).parseArgs("--join", "ingest:4433", "--operator-key", KEY, "--fleet-token", "tc1.a.b",
                "--broadcast-key", KEY, "--open-viewers");
        assertThat(relay.operatorKey.raw()).hasSize(32);
        assertThat(relay.broadcastKey.raw()).isEqualTo(relay.operatorKey.raw());
        assertThat(relay.fleetToken).isEqualTo("tc1.a.b");
        assertThat(relay.openViewers).isTrue();
        assertThatThrownBy(() -> new CommandLine(new RelayCommand()).parseArgs("--join", "i:1", "--operator-key",
                "AAAA")).isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("32 bytes");
    }

    @Test
    void anIngestTakesTheOperatorKeyFileOrThePublicKey() {
        IngestCommand ingest = new IngestCommand();
        new CommandLine(ingest).parseArgs("--operator-key", KEY);
        assertThat(ingest.operatorKey.raw()).hasSize(32);
        IngestCommand demoMode = new IngestCommand();
        new CommandLine(demoMode).parseArgs("--operator-key-file", "op.pem", "--open-viewers");
        assertThat(demoMode.operatorKeyFile).hasToString("op.pem");
        assertThat(demoMode.openViewers).isTrue();
    }
}
