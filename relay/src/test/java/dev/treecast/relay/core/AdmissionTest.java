package dev.treecast.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.auth.AccessToken;
import dev.treecast.protocol.auth.AccessToken.Failure;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.Setup;
import dev.treecast.protocol.data.ObjectSignature;
import dev.treecast.relay.RelayMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The admission rules alone, on an injected clock: no sockets. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdmissionTest {
    private static final long NOW = 1_800_000_000L;

    private final KeyPair operator;
    private final AtomicLong clock = new AtomicLong(NOW);
    private final RelayMetrics metrics = new RelayMetrics(new SimpleMeterRegistry(), "r");

    AdmissionTest() throws Exception {
        operator = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    private Admission admission(boolean viewersNeedToken, String region) {
        return new Admission(ObjectSignature.rawPublicKey(operator.getPublic()), viewersNeedToken, region, clock::get,
                System::nanoTime, metrics);
    }

    private String viewer(String broadcast, String region, long expires) {
        return AccessToken.viewer(broadcast, region, expires, "").sign(operator.getPrivate());
    }

    private static Setup setup(Role role, String token) {
        return new Setup(1, role, "peer", 0, token);
    }

    @Test
    void aTokenAdmitsUntilTheSecondItExpiresOnTheRelaysClock() {
        Admission admission = admission(true, "");
        String token = viewer("live", null, NOW + 10);
        clock.set(NOW + 9);
        assertThat(admission.setup(setup(Role.VIEWER, token), null).ok()).isTrue();
        clock.set(NOW + 10);
        assertThat(admission.setup(setup(Role.VIEWER, token), null).failure()).isEqualTo(Failure.EXPIRED);
    }

    @Test
    void aViewerTokenIsScopedToItsBroadcastAtSubscribeAndToItsRegionAtSetup() {
        Admission admission = admission(true, "eu-west");
        AccessToken token = admission.setup(setup(Role.VIEWER, viewer("live", "eu-west", NOW + 60)), null).token();
        assertThat(admission.subscribe(Role.VIEWER, token, "live").ok()).isTrue();
        assertThat(admission.subscribe(Role.VIEWER, token, "other").failure()).isEqualTo(Failure.WRONG_BROADCAST);
        assertThat(admission.subscribe(Role.RELAY, null, "other").ok()).as("relay tokens admit anywhere").isTrue();
        assertThat(admission(true, "us-east").setup(setup(Role.VIEWER, viewer("live", "eu-west", NOW + 60)), null)
                .failure()).isEqualTo(Failure.WRONG_REGION);
    }

    @Test
    void aTokenCheckedOnTheConnectAdmitsTheSessionAndOneInSetupMustAgreeWithIt() {
        Admission admission = admission(true, "");
        AccessToken connect = admission.viewer(viewer("live", null, NOW + 60), "live").token();
        assertThat(admission.setup(setup(Role.VIEWER, ""), connect).token()).isEqualTo(connect);
        assertThat(admission.setup(setup(Role.VIEWER, viewer("other", null, NOW + 60)), connect).failure())
                .isEqualTo(Failure.WRONG_BROADCAST);
        assertThat(admission.viewer(null, "live").failure()).isEqualTo(Failure.MISSING);
        assertThat(admission(false, "").viewer(null, "live").ok()).as("open viewers").isTrue();
        assertThat(admission(false, "").viewer("garbage", "live").failure()).isEqualTo(Failure.MALFORMED);
    }

    @Test
    void onlyRelaySessionsTalkToTheTreeAndAnOpenFleetAdmitsAll() {
        Admission admission = admission(false, "");
        assertThat(admission.treeMessage(Role.VIEWER, null).failure()).isEqualTo(Failure.MISSING);
        assertThat(admission.treeMessage(Role.VIEWER, AccessToken.viewer("b", null, 1, "")).failure())
                .isEqualTo(Failure.WRONG_ROLE);
        assertThat(admission.treeMessage(Role.RELAY, null).ok()).isTrue();
        Admission open = Admission.open(metrics);
        assertThat(open.isEnforcing()).isFalse();
        assertThat(open.setup(setup(Role.RELAY, ""), null).ok()).isTrue();
        assertThat(open.treeMessage(Role.VIEWER, null).ok()).isTrue();
        assertThat(open.viewer("garbage", "live").ok()).isTrue();
    }

    @Test
    void everyRefusalIsCountedByReason() {
        Admission admission = admission(true, "");
        for (int i = 0; i < 20; i++) {
            admission.refused(admission.setup(setup(Role.RELAY, ""), null), "peer " + i, "closed");
        }
        assertThat(metrics.authRefusals("missing")).isEqualTo(20);
    }
}
