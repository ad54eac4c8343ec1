package dev.treecast.gateway;

import dev.treecast.relay.testing.Publisher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.gateway.GatewayMetrics.CloseReason;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.Setup;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.control.Subscribe;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * The real target: headless Chromium (Debian's package) opens a WebTransport session to the gateway with a pinned
 * certificate hash, subscribes with {@code treecast/1} and reports the SHA-256 of each group stream it receives.
 * Runs where a browser is required ({@code TREECAST_REQUIRE_BROWSER=1}, as in CI) or asked for
 * ({@code -Dtreecast.chromium=true}): it needs the chromium binary and takes a few seconds.
 */
@EnabledIf("wanted")
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChromiumInteropTest {
    static boolean wanted() {
        return Boolean.getBoolean("treecast.chromium") || "1".equals(System.getenv("TREECAST_REQUIRE_BROWSER"));
    }

    private static final TrackName VIDEO = new TrackName("live", "video");

    private Relay root;
    private Relay edge;
    private Gateway gateway;
    private Process chromium;
    private Path profile;
    private final List<String> probe = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root").build()).start();
        edge = new Relay(RelayConfig.builder().nodeId("edge").parent(root.quicAddress()).build()).start();
        gateway = new Gateway(edge, GatewayConfig.builder().build()).start();
        profile = Files.createTempDirectory("chromium-profile");
    }

    @AfterEach
    void stop() throws Exception {
        if (chromium != null) {
            // Chromium's renderer, GPU and utility processes first: they outlive a killed browser process.
            chromium.descendants().forEach(ProcessHandle::destroyForcibly);
            chromium.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        if (gateway != null) {
            gateway.close();
        }
        for (Relay r : new Relay[] {edge, root}) {
            if (r != null) {
                r.close();
            }
        }
    }

    @Test
    void chromiumReceivesEveryGroupByteIdentical() throws Exception {
        Publisher publisher = new Publisher(root, VIDEO);
        int groups = 3;
        ByteBuf control = Unpooled.buffer();
        ControlCodec.encode(new Setup(Alpn.VERSION_1, Role.VIEWER, "chromium"), control);
        ControlCodec.encode(new Subscribe(0, VIDEO, StartPosition.LATEST, 1), control);
        String page = "http://127.0.0.1:" + gateway.httpAddress().getPort() + "/wt-probe.html"
                + "?wt=" + gateway.webTransportUrl(VIDEO.broadcast())
                + "&hash=" + edge.certificates().sha256Hex()
                + "&control=" + ByteBufUtil.hexDump(control)
                + "&groups=" + groups;
        control.release();
        chromium = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--enable-logging=stderr", "--v=0", page)
                .redirectErrorStream(true).start();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(chromium.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    int at = line.indexOf("PROBE ");
                    if (at >= 0) {
                        synchronized (probe) {
                            probe.add(line.substring(at + 6).replaceAll("\".*$", ""));
                        }
                    }
                }
            } catch (Exception e) {
                // process ended
            }
        });
        Await.until("chromium subscribed", Duration.ofSeconds(30), () -> edge.metrics().subscribers() == 1,
                this::probeLines);

        List<String> expected = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            ByteBuf stream = Unpooled.buffer();
            new GroupHeader(0, g, 1).encode(stream);
            for (int o = 0; o < 5; o++) {
                int size = 1000 + 7919 * o;
                publisher.publish(g, o, size);
                ObjectFrame frame = ObjectFrame.encode(UnpooledByteBufAllocator.DEFAULT, o, Publisher.timestamp(g, o), null,
                        Unpooled.wrappedBuffer(Publisher.payload(g, o, size)));
                stream.writeBytes(frame.wire());
                frame.release();
            }
            publisher.endGroup(g);
            byte[] bytes = ByteBufUtil.getBytes(stream);
            stream.release();
            expected.add("group " + bytes.length + " "
                    + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        }
        // The page logs each group, then closes; its console lines reach us through the browser process's stderr,
        // later than the close reaches the gateway over the network: wait for its last line, not only the close.
        Await.until("chromium closed the session", Duration.ofSeconds(20),
                () -> gateway.metrics().sessionsClosed(CloseReason.CLEAN) == 1
                        && probeLines().contains("close-sent"), this::probeLines);
        assertThat(probeLines()).startsWith("ready", "control-sent");
        // Group streams are independent: the browser hands them to the page in whatever order they arrive.
        assertThat(probeLines().stream().filter(l -> l.startsWith("group ")))
                .containsExactlyInAnyOrderElementsOf(expected);
        Await.until("subscription released", Duration.ofSeconds(5), () -> edge.metrics().subscribers() == 0);
    }

    private List<String> probeLines() {
        synchronized (probe) {
            return List.copyOf(probe);
        }
    }
}
