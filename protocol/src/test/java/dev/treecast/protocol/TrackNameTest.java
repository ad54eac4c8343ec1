package dev.treecast.protocol;

import static dev.treecast.protocol.Wire.assertProtocolError;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TrackNameTest {

    @Test
    void validNamesAreKeptAndPrintedAsBroadcastHashTrack() {
        TrackName name = new TrackName("live/final", "video/720p");
        assertThat(name.broadcast()).isEqualTo("live/final");
        assertThat(name.track()).isEqualTo("video/720p");
        assertThat(name).hasToString("live/final#video/720p");
    }

    @Test
    void printableAsciiBoundsAreAccepted() {
        assertThat(TrackName.isValidName("!~", 2)).isTrue();
        assertThat(new TrackName("!", "~").track()).isEqualTo("~");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "live final", "live\tfinal", "live\n", "\u007f", "vidéo", "live\u0000", "😀"})
    void invalidNamesAreRefusedAsMalformed(String bad) {
        assertThat(TrackName.isValidName(bad, 256)).isFalse();
        assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> new TrackName(bad, "video"));
        assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> new TrackName("live", bad));
    }

    @Test
    void nullNamesAreRefusedAsMalformed() {
        assertThat(TrackName.isValidName(null, 10)).isFalse();
        assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> new TrackName(null, "video"));
        assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> new TrackName("live", null));
    }

    @Test
    void broadcastNamesMayBe256BytesAndNoMore() {
        assertThat(new TrackName("b".repeat(TrackName.MAX_BROADCAST), "t").broadcast()).hasSize(256);
        assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> new TrackName("b".repeat(257), "t"));
    }

    @Test
    void trackNamesMayBe128BytesAndNoMore() {
        assertThat(new TrackName("b", "t".repeat(TrackName.MAX_TRACK)).track()).hasSize(128);
        assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> new TrackName("b", "t".repeat(129)));
    }
}
