package dev.treecast.gateway.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.netty.handler.codec.http3.Http3SettingsFrame;

@Timeout(10)
class WebTransportSettingsTest {
    @Test
    void theFrameKeepsTheNonStandardWebTransportSettingsThatNettysDefaultValidatorWouldDrop() {
        Http3SettingsFrame frame = WebTransportSettings.serverFrame();
        Map<Long, Long> sent = new LinkedHashMap<>();
        frame.forEach(e -> sent.put(e.getKey(), e.getValue()));
        assertThat(sent).containsExactlyInAnyOrderEntriesOf(Map.of(
                0x1L, 0L,          // QPACK_MAX_TABLE_CAPACITY
                0x7L, 0L,          // QPACK_BLOCKED_STREAMS
                0x8L, 1L,          // ENABLE_CONNECT_PROTOCOL
                0x33L, 1L,         // H3_DATAGRAM
                0x2b603742L, 1L,   // ENABLE_WEBTRANSPORT (draft-02), for Chromium
                0x14e9cd29L, 1L)); // WT_MAX_SESSIONS (draft-09+), for Flupke
        assertThat(sent).doesNotContainKey(WebTransportSettings.WEBTRANSPORT_MAX_SESSIONS_DRAFT07);
    }
}
