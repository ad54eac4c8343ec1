package dev.treecast.transport;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.quic.QuicCodecBuilder;

/**
 * QUIC transport limits (RFC 9000 §18.2) for one side of a connection. The receive windows are what this side
 * grants its peer; a slow reader is held back by them, so a sender sees it as an unwritable stream.
 *
 * @param idleTimeout           connection closed after this long without packets (also how fast a dead peer is
 *                              noticed when nothing else notices it first)
 * @param maxData               connection receive window
 * @param maxStreamDataUni      receive window of each incoming unidirectional (group) stream
 * @param maxStreamDataBidi     receive window of each bidirectional (control) stream
 * @param maxStreamsUni         how many unidirectional streams the peer may have open towards us
 * @param maxStreamsBidi        how many bidirectional streams the peer may open
 */
public record QuicSettings(Duration idleTimeout, long maxData, long maxStreamDataUni, long maxStreamDataBidi,
                           long maxStreamsUni, long maxStreamsBidi) {

    /** Windows for receiving live media at up to a few hundred Mbit/s on one connection. */
    public static final QuicSettings DEFAULT = new QuicSettings(Duration.ofSeconds(10), 32L << 20, 8L << 20,
            256L << 10, 1000, 16);

    /**
     * What a server grants peers that only subscribe (a relay's viewers and child relays): they send control
     * messages and never media, so 64 KiB stream windows (256 KiB for the connection), one bidirectional stream
     * (the control stream) plus one, and one unidirectional stream; the extra streams are there so that a peer that
     * opens one more gets a clear PROTOCOL_VIOLATION rather than a QUIC stream-limit error.
     */
    public static final QuicSettings SUBSCRIBERS = new QuicSettings(Duration.ofSeconds(10), 256L << 10, 64L << 10,
            64L << 10, 1, 2);

    public QuicSettings {
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive: " + idleTimeout);
        }
        if (maxData <= 0 || maxStreamDataUni <= 0 || maxStreamDataBidi <= 0 || maxStreamsUni <= 0
                || maxStreamsBidi <= 0) {
            throw new IllegalArgumentException("QUIC limits must be positive: " + maxData + "/" + maxStreamDataUni
                    + "/" + maxStreamDataBidi + "/" + maxStreamsUni + "/" + maxStreamsBidi);
        }
    }

    /**
     * Applies these limits to a Netty QUIC codec builder (client or server side), with BBR (quiche's BBRv2) for
     * congestion control: live media crosses links with random loss, which CUBIC takes for congestion (at 60 ms and
     * 1.5 % loss it held a 1 Mbit/s stream's first groups to half the live rate; see the multi-host test).
     */
    public <B extends QuicCodecBuilder<B>> B applyTo(B builder) {
        return builder.maxIdleTimeout(idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .congestionControlAlgorithm(io.netty.handler.codec.quic.QuicCongestionControlAlgorithm.BBR)
                .initialMaxData(maxData)
                .initialMaxStreamDataBidirectionalLocal(maxStreamDataBidi)
                .initialMaxStreamDataBidirectionalRemote(maxStreamDataBidi)
                .initialMaxStreamDataUnidirectional(maxStreamDataUni)
                .initialMaxStreamsBidirectional(maxStreamsBidi)
                .initialMaxStreamsUnidirectional(maxStreamsUni);
    }

    public QuicSettings withIdleTimeout(Duration timeout) {
        return new QuicSettings(timeout, maxData, maxStreamDataUni, maxStreamDataBidi, maxStreamsUni, maxStreamsBidi);
    }

    public QuicSettings withWindows(long connection, long uniStream) {
        return new QuicSettings(idleTimeout, connection, uniStream, maxStreamDataBidi, maxStreamsUni, maxStreamsBidi);
    }
}
