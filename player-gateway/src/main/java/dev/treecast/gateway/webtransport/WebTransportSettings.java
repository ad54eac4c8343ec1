package dev.treecast.gateway.webtransport;

import java.util.LinkedHashMap;
import java.util.Map;

import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.http3.Http3SettingsFrame;

/**
 * The HTTP/3 SETTINGS a WebTransport server sends, and why each is there. Clients decide from these alone whether
 * the server speaks WebTransport, and each client looks for a different draft's setting:
 * <ul>
 * <li>Chromium (156) refuses a session unless it sees {@link #H3_DATAGRAM} and draft-02's
 * {@link #ENABLE_WEBTRANSPORT_DRAFT02}; draft-07's setting alone is refused (FINDINGS.md).</li>
 * <li>Flupke 0.9.4 (client) opens at most as many sessions as {@link #WT_MAX_SESSIONS} (draft-09 and later)
 * allows, and none when it is absent ("Maximum number of sessions (0) reached").</li>
 * </ul>
 * We allow one session per connection, and say so with {@link #WT_MAX_SESSIONS} = 1.
 */
public final class WebTransportSettings {
    /** QPACK dynamic table capacity (RFC 9204 §5): 0, we use the static table only. */
    public static final long QPACK_MAX_TABLE_CAPACITY = 0x1;
    /** QPACK blocked streams (RFC 9204 §5): 0. */
    public static final long QPACK_BLOCKED_STREAMS = 0x7;
    /** SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 9220 §3): extended CONNECT, which opens a session. */
    public static final long ENABLE_CONNECT_PROTOCOL = 0x8;
    /** SETTINGS_H3_DATAGRAM (RFC 9297 §2.1.1). We send no datagrams, but Chromium requires the setting. */
    public static final long H3_DATAGRAM = 0x33;
    /** SETTINGS_ENABLE_WEBTRANSPORT of draft-ietf-webtrans-http3-02 §3.1, what Chromium looks for. */
    public static final long ENABLE_WEBTRANSPORT_DRAFT02 = 0x2b603742L;
    /** SETTINGS_WEBTRANSPORT_MAX_SESSIONS of draft-07; not sent (it alone does not satisfy Chromium). */
    public static final long WEBTRANSPORT_MAX_SESSIONS_DRAFT07 = 0xc671706aL;
    /** SETTINGS_WT_MAX_SESSIONS of draft-09 and later, what Flupke looks for. */
    public static final long WT_MAX_SESSIONS = 0x14e9cd29L;

    /** Sessions we accept on one connection; a second CONNECT on the same connection gets 429. */
    public static final long SESSIONS_PER_CONNECTION = 1;

    private WebTransportSettings() {
    }

    /** The settings we send, in wire order. */
    public static Map<Long, Long> server() {
        Map<Long, Long> settings = new LinkedHashMap<>();
        settings.put(QPACK_MAX_TABLE_CAPACITY, 0L);
        settings.put(QPACK_BLOCKED_STREAMS, 0L);
        settings.put(ENABLE_CONNECT_PROTOCOL, 1L);
        settings.put(H3_DATAGRAM, 1L);
        settings.put(ENABLE_WEBTRANSPORT_DRAFT02, 1L);
        settings.put(WT_MAX_SESSIONS, SESSIONS_PER_CONNECTION);
        return settings;
    }

    /**
     * {@link #server()} as a Netty SETTINGS frame. Built with a validator that accepts every id: Netty's default
     * one silently drops non-standard ids such as 0x2b603742, and given settings replace Netty's defaults.
     */
    public static Http3SettingsFrame serverFrame() {
        Http3Settings settings = new Http3Settings((id, value) -> true);
        server().forEach(settings::put);
        return new DefaultHttp3SettingsFrame(settings);
    }
}
