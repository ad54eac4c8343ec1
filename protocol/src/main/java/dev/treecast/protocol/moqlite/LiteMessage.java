package dev.treecast.protocol.moqlite;

import io.netty.buffer.ByteBuf;

/**
 * One moq-lite-05 message. On the wire each is {@code size (varint) | body} (see {@link LiteCodec}); which message a
 * body holds follows from its stream and its place on it, so decoding is per record ({@code X.decode(body)}).
 */
public sealed interface LiteMessage permits Setup, AnnounceRequest, AnnounceOk, Announce, TrackRequest, TrackInfo,
        Subscribe, SubscribeUpdate, SubscribeResponse, GroupHeader, Fetch, Probe, Goaway {
    /** Bytes of the body (without the size prefix). */
    int bodyLength();

    /** Writes the body (without the size prefix). */
    void encodeBody(ByteBuf out);
}
