package dev.treecast.protocol.control;

import java.util.ArrayList;
import java.util.List;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * BACKUPS (0x11): the ranked list of alternate parents ({@code host:port}) a relay connects to, in order, when
 * its parent dies, without asking the controller first.
 */
public record Backups(List<String> addresses) implements ControlMessage {
    public static final int MAX_ADDRESSES = 16;
    public static final int MAX_ADDRESS = 256;

    public Backups {
        if (addresses.size() > MAX_ADDRESSES) {
            throw new IllegalArgumentException("at most " + MAX_ADDRESSES + " backups: " + addresses.size());
        }
        addresses.forEach(a -> Strings.checkLength(a, "address", MAX_ADDRESS));
        addresses = List.copyOf(addresses);
    }

    @Override
    public MessageType type() {
        return MessageType.BACKUPS;
    }

    @Override
    public int payloadLength() {
        int n = Varint.encodedLength(addresses.size());
        for (String a : addresses) {
            n += Strings.encodedLength(a);
        }
        return n;
    }

    @Override
    public void encodePayload(ByteBuf out) {
        Varint.write(out, addresses.size());
        for (String a : addresses) {
            Strings.write(out, a);
        }
    }

    static Backups decode(ByteBuf in) {
        int count = (int) Varint.read(in, "BACKUPS count", MAX_ADDRESSES);
        List<String> addresses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            addresses.add(Strings.read(in, "BACKUPS address", MAX_ADDRESS));
        }
        return new Backups(addresses);
    }
}
