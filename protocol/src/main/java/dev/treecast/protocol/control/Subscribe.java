package dev.treecast.protocol.control;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * SUBSCRIBE (0x03): asks for one track. {@code subscriptionId} is chosen by the subscriber and names the
 * subscription on every group stream. {@code priority}: 0 is the most important (e.g. audio), 255 the least.
 */
public record Subscribe(long subscriptionId, TrackName track, StartPosition start, int priority)
        implements ControlMessage {
    public static final int MAX_PRIORITY = 255;

    public Subscribe {
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority must be 0.." + MAX_PRIORITY + ": " + priority);
        }
    }

    @Override
    public MessageType type() {
        return MessageType.SUBSCRIBE;
    }

    @Override
    public int payloadLength() {
        return Varint.encodedLength(subscriptionId) + Strings.encodedLength(track.broadcast())
                + Strings.encodedLength(track.track()) + StartPosition.encodedLength(start)
                + Varint.encodedLength(priority);
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Varint.write(out, subscriptionId);
        Strings.write(out, track.broadcast());
        Strings.write(out, track.track());
        StartPosition.encode(out, start);
        Varint.write(out, priority);
    }

    static Subscribe decode(ByteBuf in) {
        long id = Varint.read(in, "SUBSCRIBE id");
        String broadcast = Strings.read(in, "SUBSCRIBE broadcast", TrackName.MAX_BROADCAST);
        String track = Strings.read(in, "SUBSCRIBE track", TrackName.MAX_TRACK);
        StartPosition start = StartPosition.decode(in);
        int priority = (int) Varint.read(in, "SUBSCRIBE priority", MAX_PRIORITY);
        return new Subscribe(id, new TrackName(broadcast, track), start, priority);
    }
}
