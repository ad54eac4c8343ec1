package dev.treecast.gateway.webtransport;

import io.netty.handler.codec.http3.Http3ErrorCode;

/**
 * Stream and connection error codes used by the gateway beyond {@code treecast/1}'s own. Netty's QUIC API takes
 * stream error codes as {@code int}, so WebTransport's mapped application error space (draft-02 §4.3: from
 * 0x52e4a40fa8db on) cannot be expressed; the codes below all fit.
 */
public final class WebTransportErrors {
    /** The connection is closed with this once its session has ended (RFC 9114 §8.1). */
    public static final int H3_NO_ERROR = Http3ErrorCode.H3_NO_ERROR.code();
    /** A peer stream we do not accept (RFC 9114 §6.2: unknown or unwanted stream types). */
    public static final int H3_STREAM_CREATION_ERROR = Http3ErrorCode.H3_STREAM_CREATION_ERROR.code();
    /** A connection beyond the gateway's session cap is closed with this (RFC 9114 §8.1: excessive load). */
    public static final int H3_EXCESSIVE_LOAD = Http3ErrorCode.H3_EXCESSIVE_LOAD.code();
    /** WEBTRANSPORT_SESSION_GONE (draft-ietf-webtrans-http3, "Session Termination"): the stream names a session
     * that does not exist (any more). */
    public static final int WEBTRANSPORT_SESSION_GONE = 0x170d7b68;

    private WebTransportErrors() {
    }
}
