package dev.treecast.gateway.client;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.treecast.gateway.webtransport.StreamPrefix;
import dev.treecast.gateway.webtransport.WebTransportErrors;
import dev.treecast.gateway.webtransport.WebTransportSettings;
import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.http3.Http3SettingsFrame;

/**
 * The client's side of the WebTransport wire details, pure (no I/O, no state): the SETTINGS it sends, whether the
 * server's SETTINGS allow a session, how a server stream's prefix reads, and what an HTTP status or a connection
 * close means in {@code treecast/1} error codes.
 */
final class ClientWire {
    private ClientWire() {
    }

    /**
     * The SETTINGS we send, in wire order: what Chromium sends for WebTransport (FINDINGS.md), minus its GREASE.
     * QPACK without a dynamic table (RFC 9204 §5), HTTP datagrams (RFC 9297 §2.1.1) and draft-02's
     * ENABLE_WEBTRANSPORT, which says this endpoint speaks WebTransport.
     */
    static Map<Long, Long> settings() {
        Map<Long, Long> settings = new LinkedHashMap<>();
        settings.put(WebTransportSettings.QPACK_MAX_TABLE_CAPACITY, 0L);
        settings.put(WebTransportSettings.QPACK_BLOCKED_STREAMS, 0L);
        settings.put(WebTransportSettings.H3_DATAGRAM, 1L);
        settings.put(WebTransportSettings.ENABLE_WEBTRANSPORT_DRAFT02, 1L);
        return settings;
    }

    /** {@link #settings()} as a Netty frame; Netty's default validator would silently drop the non-standard ids. */
    static Http3SettingsFrame settingsFrame() {
        Http3Settings settings = new Http3Settings((id, value) -> true);
        settings().forEach(settings::put);
        return new DefaultHttp3SettingsFrame(settings);
    }

    /**
     * Why the server's SETTINGS do not allow a WebTransport session, or null if they do. Extended CONNECT must be
     * enabled (RFC 9220 §3), and WebTransport announced in any draft's way (draft-02 §3.1: a client must not send
     * a WebTransport CONNECT before it has seen the server's setting).
     */
    static String refusalOf(Map<Long, Long> server) {
        if (server.getOrDefault(WebTransportSettings.ENABLE_CONNECT_PROTOCOL, 0L) != 1L) {
            return "the server does not enable extended CONNECT (SETTINGS 0x8)";
        }
        boolean webTransport = server.getOrDefault(WebTransportSettings.ENABLE_WEBTRANSPORT_DRAFT02, 0L) == 1L
                || server.getOrDefault(WebTransportSettings.WEBTRANSPORT_MAX_SESSIONS_DRAFT07, 0L) > 0
                || server.getOrDefault(WebTransportSettings.WT_MAX_SESSIONS, 0L) > 0;
        return webTransport ? null : "the server does not announce WebTransport in its SETTINGS";
    }

    /**
     * Looks at the first bytes of a stream the server opened, consuming nothing: a WebTransport stream
     * ({@code 0x54 | session id}, draft-02 §4.1) or anything else (an HTTP/3 control or QPACK stream, or an
     * unknown type), which belongs to HTTP/3. Any varint encoding of the type counts (RFC 9000 §16).
     */
    static StreamPrefix.Sniff sniffUnidirectional(ByteBuf in) {
        int index = in.readerIndex();
        if (!Varint.isComplete(in, index)) {
            return StreamPrefix.NEED_MORE;
        }
        if (Varint.get(in, index) != StreamPrefix.UNIDIRECTIONAL_TYPE) {
            return StreamPrefix.HTTP3;
        }
        int sessionIndex = index + Varint.lengthAt(in, index);
        if (!Varint.isComplete(in, sessionIndex)) {
            return StreamPrefix.NEED_MORE;
        }
        long sessionId = Varint.get(in, sessionIndex);
        int end = sessionIndex + Varint.lengthAt(in, sessionIndex);
        return new StreamPrefix.WebTransport(sessionId, end - index);
    }

    /** The {@code treecast/1} code for a CONNECT answered with {@code status} instead of 200. */
    static ErrorCode refusalCode(int status) {
        return switch (status) {
            case 404 -> ErrorCode.NOT_FOUND;
            case 429, 503 -> ErrorCode.LIMIT_EXCEEDED;
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 400, 405, 501 -> ErrorCode.PROTOCOL_VIOLATION;
            default -> ErrorCode.INTERNAL_ERROR;
        };
    }

    /**
     * What a QUIC connection close that came without a session close means. The gateway closes connections with
     * H3_NO_ERROR once a session has ended; other HTTP/3 codes (RFC 9114 §8.1) are HTTP/3 errors, and a transport
     * close is an error of QUIC itself.
     */
    static ErrorCode connectionCloseCode(boolean applicationClose, long error) {
        if (!applicationClose) {
            return ErrorCode.PROTOCOL_VIOLATION;
        }
        if (error == WebTransportErrors.H3_NO_ERROR) {
            return ErrorCode.UPSTREAM_LOST;
        }
        return ErrorCode.PROTOCOL_VIOLATION;
    }
}
