package dev.treecast.gateway.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.gateway.webtransport.StreamPrefix;
import dev.treecast.gateway.webtransport.WebTransportSettings;
import dev.treecast.protocol.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http3.Http3SettingsFrame;

/** The client's pure wire decisions: its SETTINGS, the server SETTINGS it accepts, stream prefixes, error codes. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class WebTransportClientWireTest {

    @Test
    void theClientSendsChromiumsWebTransportSettingsInOrder() {
        assertThat(ClientWire.settings()).containsExactly(Map.entry(0x1L, 0L), Map.entry(0x7L, 0L),
                Map.entry(0x33L, 1L), Map.entry(0x2b603742L, 1L));
        Http3SettingsFrame frame = ClientWire.settingsFrame();
        Map<Long, Long> sent = new LinkedHashMap<>();
        frame.forEach(e -> sent.put(e.getKey(), e.getValue()));
        assertThat(sent).isEqualTo(ClientWire.settings());
    }

    @Test
    void ourGatewaysSettingsAllowASession() {
        assertThat(ClientWire.refusalOf(WebTransportSettings.server())).isNull();
    }

    @Test
    void aServerWithoutExtendedConnectOrWithoutWebTransportIsRefused() {
        assertThat(ClientWire.refusalOf(Map.of(0x2b603742L, 1L))).contains("extended CONNECT");
        assertThat(ClientWire.refusalOf(Map.of(0x8L, 1L))).contains("WebTransport");
        assertThat(ClientWire.refusalOf(Map.of(0x8L, 1L, 0x14e9cd29L, 4L))).isNull();
        assertThat(ClientWire.refusalOf(Map.of(0x8L, 1L, 0xc671706aL, 1L))).isNull();
    }

    @Test
    void aWebTransportUniStreamPrefixIsReadWithoutConsumingIt() {
        ByteBuf in = Unpooled.wrappedBuffer(new byte[] {0x40, 0x54, 0x04, 0x01, 0x02});
        assertThat(ClientWire.sniffUnidirectional(in)).isEqualTo(new StreamPrefix.WebTransport(4, 3));
        assertThat(in.readerIndex()).isZero();
        in.release();
    }

    @Test
    void aPrefixCutShortNeedsMoreBytes() {
        assertThat(ClientWire.sniffUnidirectional(Unpooled.wrappedBuffer(new byte[0])))
                .isEqualTo(StreamPrefix.NEED_MORE);
        assertThat(ClientWire.sniffUnidirectional(Unpooled.wrappedBuffer(new byte[] {0x40})))
                .isEqualTo(StreamPrefix.NEED_MORE);
        assertThat(ClientWire.sniffUnidirectional(Unpooled.wrappedBuffer(new byte[] {0x40, 0x54, 0x40})))
                .isEqualTo(StreamPrefix.NEED_MORE);
    }

    @Test
    void http3ControlAndQpackStreamsAndUnknownTypesAreLeftToHttp3() {
        for (byte type : new byte[] {0x00, 0x02, 0x03, 0x21}) {
            assertThat(ClientWire.sniffUnidirectional(Unpooled.wrappedBuffer(new byte[] {type, 0x04})))
                    .isEqualTo(StreamPrefix.HTTP3);
        }
    }

    @Test
    void aRefusedConnectMapsItsStatusToATreecastCode() {
        assertThat(ClientWire.refusalCode(404)).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(ClientWire.refusalCode(503)).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(ClientWire.refusalCode(429)).isEqualTo(ErrorCode.LIMIT_EXCEEDED);
        assertThat(ClientWire.refusalCode(401)).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(ClientWire.refusalCode(403)).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(ClientWire.refusalCode(400)).isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
        assertThat(ClientWire.refusalCode(500)).isEqualTo(ErrorCode.INTERNAL_ERROR);
    }

    @Test
    void aConnectionClosedWithoutASessionCloseIsALostUpstreamOrAnError() {
        assertThat(ClientWire.connectionCloseCode(true, 0x100)).isEqualTo(ErrorCode.UPSTREAM_LOST);
        assertThat(ClientWire.connectionCloseCode(true, 0x101)).isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
        assertThat(ClientWire.connectionCloseCode(false, 0x0a)).isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
    }
}
