package dev.treecast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.ingest.testing.LogCapture;
import dev.treecast.media.Clip;
import dev.treecast.media.FragmentSplitter;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.Varint;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.testing.Await;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;

/**
 * The hang tracks of the built-in clip played by a real ingest, watched over {@code treecast/1}: the catalog
 * reaches a late joiner, hang groups are numbered consecutively, start with an IDR and at the same moments as the
 * CMAF groups. And
 * an upload whose hang packaging fails still publishes every CMAF object.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HangTracksTest {
    private static final String BROADCAST = "demo";

    private final List<AutoCloseable> running = new ArrayList<>();
    private EventLoopGroup viewerLoop;
    private ClientSession session;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : running.reversed()) {
            c.close();
        }
        if (viewerLoop != null) {
            viewerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private <T extends AutoCloseable> T run(T closeable) {
        running.add(closeable);
        return closeable;
    }

    private RecordingSubscriber watch(java.net.InetSocketAddress relay, String track) throws Exception {
        if (session == null) {
            viewerLoop = Transports.newGroup(1, "viewer");
            QuicClientEndpoint endpoint = run(QuicClientEndpoint.bind(viewerLoop.next(), QuicSettings.DEFAULT,
                    Alpn.TREECAST_1));
            session = ClientSession.connect(endpoint, relay, ClientSession.Options.viewer("viewer"),
                    new ClientSession.Listener() {
                    }).get(10, TimeUnit.SECONDS);
        }
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(new TrackName(BROADCAST, track), StartPosition.LATEST, 0, recorder);
        Await.until("subscribed to " + track, Duration.ofSeconds(10), recorder::subscribed, recorder::error);
        return recorder;
    }

    /** The objects of each group that has ended, by group number. */
    private static Map<Long, List<RecordingSubscriber.Received>> completeGroups(RecordingSubscriber r) {
        List<Long> ended = r.ends().stream().map(RecordingSubscriber.GroupEnd::group).toList();
        return r.objects().stream().filter(o -> ended.contains(o.group())).collect(Collectors.groupingBy(
                RecordingSubscriber.Received::group, TreeMap::new, Collectors.toList()));
    }

    private static boolean hasIdr(byte[] hangFrame) {
        int at = Varint.lengthAt(Unpooled.wrappedBuffer(hangFrame), 0);
        for (; at < hangFrame.length; ) {
            int len = ((hangFrame[at] & 0xFF) << 24) | ((hangFrame[at + 1] & 0xFF) << 16)
                    | ((hangFrame[at + 2] & 0xFF) << 8) | (hangFrame[at + 3] & 0xFF);
            if ((hangFrame[at + 4] & 0x1F) == 5) {
                return true;
            }
            at += 4 + len;
        }
        return false;
    }

    private static long micros(byte[] hangFrame) {
        return Varint.get(Unpooled.wrappedBuffer(hangFrame), 0);
    }

    @Test
    void theClipsHangTracksAreAlignedWithTheCmafGroups() throws Exception {
        Ingest ingest = run(new Ingest(IngestConfig.loopback()).start());
        run(ingest.playDemoClip(BROADCAST));
        // Join late: the catalog was published before anyone subscribed. (Watched at the root: on this shared
        // machine under load, relay links below it flap on false dead-parent alarms, with or without hang tracks.)
        Thread.sleep(1500);
        RecordingSubscriber catalog = watch(ingest.quicAddress(), "catalog.json");
        RecordingSubscriber video = watch(ingest.quicAddress(), "video.hang");
        RecordingSubscriber audio = watch(ingest.quicAddress(), "audio.hang");
        RecordingSubscriber cmaf = watch(ingest.quicAddress(), "video");
        Await.until("three whole hang video groups", Duration.ofSeconds(20),
                () -> completeGroups(video).size() >= 3 && completeGroups(audio).size() >= 3
                        && completeGroups(cmaf).size() >= 3, () -> video.ends() + " " + cmaf.ends());

        assertThat(catalog.objects()).hasSize(1);
        assertThat(new String(catalog.objects().get(0).payload(), StandardCharsets.UTF_8))
                .isEqualTo(dev.treecast.ingest.hang.HangPackagerTest.DEMO_CATALOG);

        Map<Long, List<RecordingSubscriber.Received>> videoGroups = completeGroups(video);
        List<Long> numbers = new ArrayList<>(videoGroups.keySet());
        for (int i = 1; i < numbers.size(); i++) {
            assertThat(numbers.get(i)).as("consecutive group numbers").isEqualTo(numbers.get(i - 1) + 1);
        }
        for (List<RecordingSubscriber.Received> group : videoGroups.values()) {
            // One second at 25 fps; the first frame, and only it, is an IDR.
            assertThat(group).hasSize(25);
            assertThat(group).extracting(RecordingSubscriber.Received::sequence)
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 25).boxed().toList());
            assertThat(hasIdr(group.get(0).payload())).isTrue();
            assertThat(group.subList(1, 25)).noneMatch(o -> hasIdr(o.payload()));
            for (int i = 1; i < 25; i++) {
                assertThat(micros(group.get(i).payload()) - micros(group.get(0).payload())).isEqualTo(40_000L * i);
            }
        }
        // The same group numbers on the audio track, for the same moments (an audio fragment is 200 ms long).
        Map<Long, List<RecordingSubscriber.Received>> audioGroups = completeGroups(audio);
        List<Long> both = numbers.stream().filter(audioGroups::containsKey).toList();
        assertThat(both).hasSizeGreaterThanOrEqualTo(2);
        for (long g : both) {
            assertThat(micros(audioGroups.get(g).get(0).payload()) - micros(videoGroups.get(g).get(0).payload()))
                    .isBetween(-250_000L, 250_000L);
        }
        // Each group starts at a keyframe of the clip (every whole second), as the CMAF groups do: the hang group's
        // first frame is at the decode time of the first fragment of a CMAF video group.
        Clip clip = ClipSource.loadResource(ClipSource.DEMO_CLIP, ByteBufAllocator.DEFAULT);
        try (clip) {
            FragmentSplitter splitter = new FragmentSplitter(clip.init());
            List<Long> cmafStarts = completeGroups(cmaf).values().stream().map(g -> splitter.inspect(
                    Unpooled.wrappedBuffer(g.get(0).payload())).get(0).baseMediaDecodeTime() * 1_000_000 / 12800)
                    .toList();
            List<Long> hangStarts = videoGroups.values().stream().map(g -> micros(g.get(0).payload())).toList();
            assertThat(hangStarts).allMatch(t -> t % 1_000_000 == 0);
            assertThat(cmafStarts).allMatch(t -> t % 1_000_000 == 0);
            assertThat(hangStarts.stream().filter(cmafStarts::contains).count()).isGreaterThanOrEqualTo(2);
        }
        assertThat(ingest.metrics().hangFailures()).isZero();
    }

    @Test
    void anUploadWhoseHangPackagingFailsStillPublishesEveryCmafObject() throws Exception {
        Ingest ingest = run(new Ingest(IngestConfig.loopback()).start());
        byte[] file;
        try (InputStream in = ClipSource.class.getResourceAsStream(ClipSource.DEMO_CLIP)) {
            file = in.readAllBytes();
        }
        // The second moof's video tfdt (version 1, 64 bits) set to 2^61 ticks: fine for CMAF, but 5.7 million
        // years at 12800 Hz is too large a timestamp for hang.
        int moof = indexOf(file, "moof", indexOf(file, "moof", 0) + 1);
        int tfdt = indexOf(file, "tfdt", moof);
        assertThat(file[tfdt + 4]).as("tfdt version 1").isEqualTo((byte) 1);
        Unpooled.wrappedBuffer(file).setLong(tfdt + 8, 1L << 61);

        BroadcastPublisher publisher = ingest.broadcast("patched");
        assertThat(publisher.tryAcquire()).isTrue();
        try (LogCapture log = new LogCapture(); CmafPackager packager = ingest.newPackager(publisher)) {
            for (int at = 0; at < file.length; at += 4096) {
                packager.feed(Unpooled.wrappedBuffer(file, at, Math.min(4096, file.length - at)));
            }
            packager.finish();
            publisher.endOfStream();
            // 40 CMAF video and 40 audio objects; 375 hang audio frames; hang video loses the patched fragment and
            // the three after it, up to the next keyframe: 200 - 4 x 5 frames.
            assertThat(ingest.metrics().objects()).isEqualTo(40 + 40 + 375 + 180);
            assertThat(ingest.metrics().hangFailures()).isEqualTo(1);
            assertThat(log.lines("cannot package track video.hang")).hasSize(1);
        }
    }

    private static int indexOf(byte[] bytes, String fourcc, int from) {
        byte[] needle = fourcc.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = from; i <= bytes.length - 4; i++) {
            for (int j = 0; j < 4; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("no " + fourcc);
    }
}
