package dev.treecast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import dev.treecast.media.FragmentInfo;
import dev.treecast.media.InitSegment;
import dev.treecast.testing.Await;
import dev.treecast.transport.testing.RecordingSubscriber;
import io.netty.buffer.Unpooled;

/** The built-in sources, received one relay below the ingest. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SourcesTest {
    private TreeFixture tree;

    @AfterEach
    void stop() {
        if (tree != null) {
            tree.close();
        }
    }

    @Test
    void theDemoClipPlaysAsALiveBroadcastWithKeyframeGroupsAndContinuousDecodeTimes() throws Exception {
        tree = new TreeFixture();
        tree.ingest.playDemoClip("demo");
        RecordingSubscriber catalog = tree.subscribe("demo", "catalog");
        Await.until("catalog", Duration.ofSeconds(10), () -> catalog.count() > 0, catalog::error);
        JsonNode json = TreeFixture.catalog(catalog);
        assertThat(json.get("tracks")).extracting(t -> t.get("mimeType").asText())
                .containsExactly("video/mp4; codecs=\"avc1.4D401E\"", "audio/mp4; codecs=\"mp4a.40.2\"");
        Map<String, InitSegment> inits = TreeFixture.inits(json);

        RecordingSubscriber video = tree.subscribe("demo", "video");
        RecordingSubscriber audio = tree.subscribe("demo", "audio");
        // Two whole groups (a keyframe a second), then the stream continues.
        Await.until("two complete video groups", Duration.ofSeconds(15), () -> video.ends().size() >= 2,
                video::ends);
        List<RecordingSubscriber.Received> frames = video.objects();
        assertThat(frames.get(0).sequence()).as("a new subscriber starts at a group's first object").isZero();
        long previousEnd = -1;
        for (RecordingSubscriber.Received r : frames) {
            FragmentInfo info = TreeFixture.inspect(inits.get("video"), r.payload());
            assertThat(info.startsWithSync()).isEqualTo(r.sequence() == 0);
            if (previousEnd >= 0) {
                assertThat(info.baseMediaDecodeTime()).isEqualTo(previousEnd);
            }
            previousEnd = info.endDecodeTime();
        }
        // Each object is 200 ms of media: five to a one-second group.
        assertThat(video.objects().stream().filter(r -> r.group() == frames.get(0).group())).hasSize(5);
        assertThat(audio.count()).isPositive();
        // Audio follows the video's group numbers, so both tracks can start at the same group.
        assertThat(audio.objects().get(0).group()).isGreaterThanOrEqualTo(frames.get(0).group());
    }

    @Test
    void theSyntheticSourcePublishesTheChosenBitrateInCheckablePayloads() throws Exception {
        tree = new TreeFixture();
        tree.ingest.synthetic("load", 800_000, 20, Duration.ofMillis(500));
        RecordingSubscriber video = tree.subscribe("load", SyntheticSource.TRACK);
        Await.until("three complete groups", Duration.ofSeconds(15), () -> video.ends().size() >= 3, video::ends);
        for (RecordingSubscriber.Received r : video.objects()) {
            assertThat(r.payload()).hasSize(800_000 / 8 / 20);
            var payload = Unpooled.wrappedBuffer(r.payload());
            payload.skipBytes(8);
            assertThat(payload.readLong()).isEqualTo(r.sequence());
            assertThat(r.sequence()).isLessThan(10);
        }
    }
}
