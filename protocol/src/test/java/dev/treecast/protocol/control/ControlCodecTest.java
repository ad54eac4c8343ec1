package dev.treecast.protocol.control;

import static dev.treecast.protocol.Wire.assertProtocolError;
import static dev.treecast.protocol.Wire.readable;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.NettyLeakCheck;
import dev.treecast.protocol.TrackingAllocator;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/** Framing of control messages: round trips, incremental decoding, back-to-back messages and the size limits. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class ControlCodecTest {
    private static final int PER_TYPE = 400;

    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    private byte[] encode(ControlMessage message) {
        ByteBuf out = alloc.buffer();
        try {
            ControlCodec.encode(message, out);
            return readable(out);
        } finally {
            out.release();
        }
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void randomMessagesOfEveryTypeRoundTripExactly(MessageType type) {
        RandomMessages random = new RandomMessages(0x5eed_0000L + type.id());
        for (int i = 0; i < PER_TYPE; i++) {
            ControlMessage message = random.of(type);
            ByteBuf buf = alloc.buffer();
            try {
                ControlCodec.encode(message, buf);
                assertThat(buf.readableBytes()).as("encodedLength of %s", message)
                        .isEqualTo(ControlCodec.encodedLength(message));
                assertThat(message.payloadLength()).isLessThanOrEqualTo(type.maxPayload());
                assertThat(ControlCodec.decode(buf)).isEqualTo(message);
                assertThat(buf.isReadable()).as("consumed exactly").isFalse();
            } finally {
                buf.release();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void everyProperPrefixOfAMessageDecodesToNullWithoutConsuming(MessageType type) {
        RandomMessages random = new RandomMessages(0x9e_f1c5L + type.id());
        for (int i = 0; i < 50; i++) {
            ControlMessage message = random.of(type);
            byte[] wire = encode(message);
            // a few bytes of an earlier, already consumed message in front, so the reader index is not 0
            ByteBuf buf = alloc.buffer(wire.length + 3);
            try {
                buf.writeBytes(new byte[] {0x77, 0x77, 0x77});
                buf.readerIndex(3);
                for (int k = 0; k < wire.length; k++) {
                    assertThat(ControlCodec.decode(buf)).as("%s after %d of %d bytes", type, k, wire.length)
                            .isNull();
                    assertThat(buf.readerIndex()).isEqualTo(3);
                    buf.writeByte(wire[k]);
                }
                assertThat(ControlCodec.decode(buf)).isEqualTo(message);
                assertThat(buf.isReadable()).isFalse();
            } finally {
                buf.release();
            }
        }
    }

    @Test
    void twoMessagesBackToBackInOneBufferDecodeInOrder() {
        Subscribe first = new Subscribe(1, new TrackName("live", "audio"), StartPosition.LATEST, 0);
        Heartbeat second = new Heartbeat(9, 0, 12);
        ByteBuf buf = alloc.buffer();
        try {
            ControlCodec.encode(first, buf);
            ControlCodec.encode(second, buf);
            // the start of a third message
            buf.writeByte(0x06);
            assertThat(ControlCodec.decode(buf)).isEqualTo(first);
            assertThat(ControlCodec.decode(buf)).isEqualTo(second);
            assertThat(ControlCodec.decode(buf)).isNull();
            assertThat(buf.readableBytes()).isEqualTo(1);
            buf.writeByte(0x01).writeByte(0x2a);
            assertThat(ControlCodec.decode(buf)).isEqualTo(new Unsubscribe(42));
            assertThat(buf.isReadable()).isFalse();
        } finally {
            buf.release();
        }
    }

    @Test
    void aLongRandomStreamDecodesTheSameInAnyChunking() {
        RandomMessages random = new RandomMessages(0xc0ffeeL);
        List<ControlMessage> sent = new ArrayList<>();
        ByteBuf stream = alloc.buffer();
        ByteBuf cumulation = alloc.buffer();
        try {
            for (int i = 0; i < 2000; i++) {
                ControlMessage m = random.of(random.type());
                sent.add(m);
                ControlCodec.encode(m, stream);
            }
            List<ControlMessage> received = new ArrayList<>();
            while (stream.isReadable()) {
                int n = Math.min(stream.readableBytes(), 1 + random.nextInt(random.nextInt(4) == 0 ? 2000 : 40));
                cumulation.writeBytes(stream, n);
                ControlMessage m;
                while ((m = ControlCodec.decode(cumulation)) != null) {
                    received.add(m);
                }
                cumulation.discardReadBytes();
            }
            assertThat(cumulation.isReadable()).isFalse();
            assertThat(received).containsExactlyElementsOf(sent);
        } finally {
            stream.release();
            cumulation.release();
        }
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void anOversizeLengthIsRefusedAsSoonAsTheLengthPrefixIsReadable(MessageType type) {
        ByteBuf buf = alloc.buffer();
        try {
            Varint.write(buf, type.id());
            Varint.write(buf, type.maxPayload() + 1);
            // no payload at all has arrived yet
            ProtocolException e = assertProtocolError(ErrorCode.MESSAGE_TOO_LARGE, () -> ControlCodec.decode(buf));
            assertThat(e.getMessage()).contains(type.name());
            assertThat(buf.readerIndex()).isZero();
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void aLengthAtTheLimitWaitsForThePayload(MessageType type) {
        ByteBuf buf = alloc.buffer();
        try {
            Varint.write(buf, type.id());
            Varint.write(buf, type.maxPayload());
            buf.writeZero(type.maxPayload() - 1);
            assertThat(ControlCodec.decode(buf)).isNull();
            assertThat(buf.readerIndex()).isZero();
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0x1_0000_0000L + 0x4000, (1L << 62) - 1})
    void aHugeLengthIsRefusedAsTooLarge(long length) {
        ByteBuf buf = alloc.buffer();
        try {
            Varint.write(buf, MessageType.BACKUPS.id());
            Varint.write(buf, length);
            assertProtocolError(ErrorCode.MESSAGE_TOO_LARGE, () -> ControlCodec.decode(buf));
        } finally {
            buf.release();
        }
    }

    @Test
    void anIncompleteLengthPrefixWaits() {
        ByteBuf buf = alloc.bytes(0x11, 0x80, 0x00, 0x40);
        try {
            assertThat(ControlCodec.decode(buf)).isNull();
            assertThat(buf.readerIndex()).isZero();
            // the last byte completes a length of 0x4001 = 16385, over the BACKUPS limit of 8192
            buf.writeByte(0x01);
            assertProtocolError(ErrorCode.MESSAGE_TOO_LARGE, () -> ControlCodec.decode(buf));
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0x00, 0x08, 0x09, 0x0f, 0x14, 0x1e, 0x24, 0x2f, 0x3f, 0x40, 0x3fff, 0x1_0000_0001L,
            0x1_0000_0010L, (1L << 62) - 1})
    void anUnknownTypeIsRefusedAsSoonAsTheTypeIsReadable(long typeId) {
        ByteBuf buf = alloc.buffer();
        try {
            Varint.write(buf, typeId);
            // no length yet
            ProtocolException e = assertProtocolError(ErrorCode.UNKNOWN_MESSAGE_TYPE, () -> ControlCodec.decode(buf));
            assertThat(e.getMessage()).contains(Long.toHexString(typeId));
            assertThat(buf.readerIndex()).isZero();
        } finally {
            buf.release();
        }
    }

    @Test
    void anIncompleteTypeWaits() {
        ByteBuf buf = alloc.bytes(0x40);
        try {
            assertThat(ControlCodec.decode(buf)).isNull();
        } finally {
            buf.release();
        }
        ByteBuf empty = alloc.buffer();
        try {
            assertThat(ControlCodec.decode(empty)).isNull();
        } finally {
            empty.release();
        }
    }

    @Test
    void aMessageThatFailsToDecodeConsumesNothing() {
        ByteBuf buf = alloc.bytes(0x06, 0x02, 0x05, 0x00);
        try {
            assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> ControlCodec.decode(buf));
            assertThat(buf.readerIndex()).isZero();
        } finally {
            buf.release();
        }
    }

    @Test
    void theLargestPossibleMessageOfEveryTypeFitsItsLimitAndRoundTrips() {
        String nodeId = "n".repeat(Setup.MAX_NODE_ID);
        String address = "a".repeat(Backups.MAX_ADDRESS);
        String reason = "\u20ac".repeat(SubscribeError.MAX_REASON / 3) + "r"; // 1024 bytes of multi-byte text
        Candidate candidate = new Candidate(nodeId, address, Varint.MAX);
        List<Candidate> sixteen = new ArrayList<>();
        for (int i = 0; i < Backups.MAX_CANDIDATES; i++) {
            sixteen.add(candidate);
        }
        RelayDescription relay = new RelayDescription(nodeId, address, "\u00e9".repeat(RelayDescription.MAX_REGION / 2),
                Varint.MAX, "w".repeat(RelayDescription.MAX_WEB_TRANSPORT), "f".repeat(64));
        List<ControlMessage> largest = List.of(
                new Setup(Varint.MAX, Role.RELAY, nodeId, Varint.MAX, "t".repeat(Setup.MAX_TOKEN)),
                new SetupOk(Varint.MAX, nodeId),
                new Subscribe(Varint.MAX, new TrackName("b".repeat(256), "t".repeat(128)),
                        new StartPosition.At(Varint.MAX, Varint.MAX), 255),
                new SubscribeOk(Varint.MAX, OptionalLong.of(Varint.MAX - 1)),
                new SubscribeError(Varint.MAX, ErrorCode.UNKNOWN, reason),
                new Unsubscribe(Varint.MAX),
                new Announce("b".repeat(256), true),
                new Heartbeat(Varint.MAX, Varint.MAX, Varint.MAX),
                new Backups(sixteen),
                new Move(nodeId, address),
                new GoAway(address),
                new ErrorMessage(ErrorCode.UNKNOWN, reason),
                new Join(relay),
                new Placement(nodeId, address, Varint.MAX, sixteen),
                new Report(relay, Varint.MAX, nodeId, Varint.MAX, Varint.MAX, Varint.MAX),
                new Repaired(nodeId, nodeId, Varint.MAX));
        assertThat(largest).extracting(ControlMessage::type).containsExactly(MessageType.values());
        for (ControlMessage m : largest) {
            assertThat(m.payloadLength()).as(m.type().name()).isLessThanOrEqualTo(m.type().maxPayload());
            assertThat(ControlCodec.encodedLength(m)).isLessThanOrEqualTo(ControlCodec.MAX_MESSAGE);
            ByteBuf buf = alloc.buffer();
            try {
                ControlCodec.encode(m, buf);
                assertThat(ControlCodec.decode(buf)).isEqualTo(m);
            } finally {
                buf.release();
            }
        }
    }
}
