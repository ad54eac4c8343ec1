package dev.treecast.protocol.moqlite;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * The publisher's messages on a subscribe stream (lite-05): each is {@code type (varint) | size | body}, the type
 * being {@link MoqLite#RESPONSE_START}, {@link MoqLite#RESPONSE_END} or {@link MoqLite#RESPONSE_DROP}.
 */
public sealed interface SubscribeResponse extends LiteMessage {
    /** The type varint written before the sized body. */
    int type();

    /** SUBSCRIBE_START: the subscription's first group is {@code group}. Body: {@code group (varint)}. */
    record Start(long group) implements SubscribeResponse {
        public Start {
            Fields.checkVarint(group, "group");
        }

        @Override
        public int type() {
            return MoqLite.RESPONSE_START;
        }

        @Override
        public int bodyLength() {
            return Varint.encodedLength(group);
        }

        @Override
        public void encodeBody(ByteBuf out) {
            Varint.write(out, group);
        }
    }

    /** SUBSCRIBE_END: no group at or after {@code group} will come (0: none ever). Body: {@code group (varint)}. */
    record End(long group) implements SubscribeResponse {
        public End {
            Fields.checkVarint(group, "group");
        }

        @Override
        public int type() {
            return MoqLite.RESPONSE_END;
        }

        @Override
        public int bodyLength() {
            return Varint.encodedLength(group);
        }

        @Override
        public void encodeBody(ByteBuf out) {
            Varint.write(out, group);
        }
    }

    /** SUBSCRIBE_DROP: groups {@code start..end} will not come, for {@code error}. Body: three varints. */
    record Drop(long start, long end, long error) implements SubscribeResponse {
        public Drop {
            Fields.checkVarint(start, "start");
            Fields.checkVarint(end, "end");
            Fields.checkVarint(error, "error");
        }

        @Override
        public int type() {
            return MoqLite.RESPONSE_DROP;
        }

        @Override
        public int bodyLength() {
            return Varint.encodedLength(start) + Varint.encodedLength(end) + Varint.encodedLength(error);
        }

        @Override
        public void encodeBody(ByteBuf out) {
            Varint.write(out, start);
            Varint.write(out, end);
            Varint.write(out, error);
        }
    }

    /** Decodes the body of a response whose type varint was {@code type}. */
    static SubscribeResponse decode(long type, ByteBuf body) {
        if (type == MoqLite.RESPONSE_START) {
            return new Start(Fields.varint(body, "SUBSCRIBE_START group"));
        }
        if (type == MoqLite.RESPONSE_END) {
            return new End(Fields.varint(body, "SUBSCRIBE_END group"));
        }
        if (type == MoqLite.RESPONSE_DROP) {
            return new Drop(Fields.varint(body, "SUBSCRIBE_DROP start"), Fields.varint(body, "SUBSCRIBE_DROP end"),
                    Fields.varint(body, "SUBSCRIBE_DROP error"));
        }
        throw new ProtocolException(ErrorCode.UNKNOWN_MESSAGE_TYPE, "unknown subscribe response type " + type);
    }
}
