package dev.treecast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import dev.treecast.media.FragmentInfo;
import dev.treecast.media.InitSegment;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.testing.Await;
import dev.treecast.testing.Ffmpeg;
import dev.treecast.transport.testing.RecordingSubscriber;

/** A real encoder (ffmpeg) uploads live CMAF to the ingest; a subscriber one relay below receives it. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FfmpegIngestTest {
    private TreeFixture tree;

    @AfterEach
    void stop() {
        if (tree != null) {
            tree.close();
        }
    }

    private Process encode(Path ffmpeg, String broadcast, int seconds) throws IOException {
        // The command from FINDINGS.md, with a fragment every 200 ms so a group holds several objects.
        List<String> command = new ArrayList<>(List.of(ffmpeg.toString(), "-hide_banner", "-loglevel", "error",
                "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
                "-t", String.valueOf(seconds),
                "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
                "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-b:v", "800k",
                "-c:a", "aac", "-b:a", "96k", "-ar", "48000",
                "-f", "mp4", "-movflags", "cmaf+frag_keyframe+empty_moov+default_base_moof+delay_moov",
                "-frag_duration", "200000", "-method", "PUT",
                "http://127.0.0.1:" + tree.ingest.httpAddress().getPort() + "/ingest/" + broadcast));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    @Test
    void ffmpegLiveCmafArrivesThroughARelayAsCatalogAndKeyframeAlignedGroups() throws Exception {
        Path ffmpeg = Ffmpeg.require();
        tree = new TreeFixture();
        // The broadcast exists (its catalog track) as soon as it is named, so viewers can wait for the encoder.
        tree.ingest.broadcast("live");
        RecordingSubscriber catalog = tree.subscribe("live", "catalog");
        Await.until("catalog subscription", Duration.ofSeconds(10), catalog::subscribed,
                () -> catalog.error() + " " + catalog.errorReason());

        Process encoder = encode(ffmpeg, "live", 5);
        Await.until("the catalog", Duration.ofSeconds(15), () -> catalog.count() > 0);
        JsonNode json = TreeFixture.catalog(catalog);
        assertThat(json.get("tracks")).extracting(t -> t.get("name").asText()).containsExactly("video", "audio");
        assertThat(json.get("tracks").get(0).get("codec").asText()).startsWith("avc1.");
        assertThat(json.get("tracks").get(1).get("codec").asText()).isEqualTo("mp4a.40.2");
        Map<String, InitSegment> inits = TreeFixture.inits(json);

        RecordingSubscriber video = tree.subscribe("live", "video");
        RecordingSubscriber audio = tree.subscribe("live", "audio");
        assertThat(encoder.waitFor(30, TimeUnit.SECONDS)).as("ffmpeg finished").isTrue();
        String output = new String(encoder.getInputStream().readAllBytes());
        assertThat(encoder.exitValue()).as("ffmpeg exit code; output: " + output).isZero();

        // The upload ended cleanly, so every open group was ended with FIN.
        Await.until("the last video group ends", Duration.ofSeconds(10),
                () -> !video.ends().isEmpty() && video.ends().size() >= 3, video::ends);
        List<RecordingSubscriber.Received> frames = video.objects();
        assertThat(video.ends()).extracting(RecordingSubscriber.GroupEnd::code).containsOnly(ErrorCode.NO_ERROR);

        long previousGroup = -1;
        long previousDecodeEnd = -1;
        for (RecordingSubscriber.Received r : frames) {
            FragmentInfo info = TreeFixture.inspect(inits.get("video"), r.payload());
            if (r.sequence() == 0) {
                assertThat(info.startsWithSync()).as("group %d starts with a keyframe", r.group()).isTrue();
                assertThat(r.group()).isGreaterThan(previousGroup);
                previousGroup = r.group();
            }
            if (previousDecodeEnd >= 0) {
                assertThat(info.baseMediaDecodeTime()).as("no gap in decode time").isEqualTo(previousDecodeEnd);
            }
            previousDecodeEnd = info.endDecodeTime();
            long ageMicros = System.currentTimeMillis() * 1000 - r.timestampMicros();
            assertThat(ageMicros).as("ingest timestamp is recent").isBetween(0L, 60_000_000L);
        }
        // Several objects per group: a fragment every 200 ms, a keyframe every second.
        assertThat(frames.size()).isGreaterThan(video.ends().size());
        Await.until("audio arrives too", Duration.ofSeconds(5), () -> audio.count() > 5, audio::count);
        assertThat(TreeFixture.inspect(inits.get("audio"), audio.objects().get(0).payload()).trackId())
                .isEqualTo(inits.get("audio").tracks().get(0).trackId());
        assertThat(tree.ingest.metrics().encoderDisconnects()).isZero();

        // The encoder can come back: the broadcast continues with higher group numbers.
        long lastGroup = previousGroup;
        int before = video.count();
        Process again = encode(ffmpeg, "live", 2);
        Await.until("video from the second upload", Duration.ofSeconds(20),
                () -> video.objects().stream().anyMatch(r -> r.group() > lastGroup), video::count);
        assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(video.count()).isGreaterThan(before);
    }
}
