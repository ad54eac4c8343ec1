package dev.treecast.protocol.control;

import static dev.treecast.protocol.Wire.assertProtocolError;
import static dev.treecast.protocol.Wire.concat;
import static dev.treecast.protocol.Wire.of;
import static dev.treecast.protocol.Wire.readable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.NettyLeakCheck;
import dev.treecast.protocol.TrackingAllocator;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/** What the decoder refuses inside a correctly framed payload, and what the constructors refuse locally. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class ControlPayloadValidationTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    /** Decodes {@code type | varint(payload.length) | payload}, asserting the whole frame was consumed. */
    private ControlMessage decodeFramed(MessageType type, byte[] payload) {
        ByteBuf buf = alloc.buffer();
        try {
            Varint.write(buf, type.id());
            Varint.write(buf, payload.length);
            buf.writeBytes(payload);
            ControlMessage m = ControlCodec.decode(buf);
            assertThat(buf.isReadable()).isFalse();
            return m;
        } finally {
            buf.release();
        }
    }

    private ProtocolException assertMalformed(MessageType type, byte[] payload) {
        ByteBuf buf = alloc.buffer();
        try {
            Varint.write(buf, type.id());
            Varint.write(buf, payload.length);
            buf.writeBytes(payload);
            ProtocolException e = assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> ControlCodec.decode(buf));
            assertThat(buf.readerIndex()).as("nothing consumed").isZero();
            return e;
        } finally {
            buf.release();
        }
    }

    private byte[] payloadOf(ControlMessage m) {
        ByteBuf buf = alloc.buffer();
        try {
            m.encodePayload(buf);
            return readable(buf);
        } finally {
            buf.release();
        }
    }

    private static byte[] str(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return concat(varint(utf8.length), utf8);
    }

    private static byte[] varint(long v) {
        int n = Varint.encodedLength(v);
        byte[] out = new byte[n];
        long prefix = switch (n) {
            case 1 -> 0L;
            case 2 -> 0x4000L;
            case 4 -> 0x8000_0000L;
            default -> 0xC000_0000_0000_0000L;
        };
        long w = prefix | v;
        for (int i = n - 1; i >= 0; i--) {
            out[i] = (byte) w;
            w >>>= 8;
        }
        return out;
    }

    static List<ControlMessage> samples() {
        return List.of(
                new Setup(1, Role.RELAY, "relay-a"),
                new Setup(Varint.MAX, Role.VIEWER, ""),
                new SetupOk(1, "root"),
                new Subscribe(5, new TrackName("live", "video"), StartPosition.LATEST, 0),
                new Subscribe(64, new TrackName("b", "a"), new StartPosition.At(300, 2), 255),
                new SubscribeOk(7, OptionalLong.empty()),
                new SubscribeOk(1 << 20, OptionalLong.of(1 << 20)),
                new SubscribeError(5, ErrorCode.NOT_FOUND, "no such track"),
                new Unsubscribe(5),
                new Unsubscribe(Varint.MAX),
                new Announce("live", true),
                new Heartbeat(1, 2, 1000),
                new Backups(List.of("a:1", "b:2")),
                new Backups(List.of()),
                new Move("10.0.0.2:4433"),
                new GoAway(""),
                new GoAway("x:1"),
                new ErrorMessage(ErrorCode.PROTOCOL_VIOLATION, "bad"),
                new ErrorMessage(ErrorCode.UNKNOWN, "é"));
    }

    @Test
    void samplesCoverEveryType() {
        assertThat(samples()).extracting(ControlMessage::type).containsAll(Arrays.asList(MessageType.values()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void trailingBytesInsideTheDeclaredLengthAreMalformed(ControlMessage message) {
        byte[] payload = payloadOf(message);
        assertThat(decodeFramed(message.type(), payload)).isEqualTo(message);
        ProtocolException e = assertMalformed(message.type(), concat(payload, of(0x00)));
        assertThat(e.getMessage()).contains("trailing");
        assertMalformed(message.type(), concat(payload, of(0x01, 0x02, 0x03)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void aPayloadCutShortInsideTheDeclaredLengthIsMalformed(ControlMessage message) {
        byte[] payload = payloadOf(message);
        for (int k = 0; k < payload.length; k++) {
            assertMalformed(message.type(), Arrays.copyOf(payload, k));
        }
    }

    static Stream<Arguments> invalidUtf8() {
        byte[] badTwoByte = of(0x02, 0xc3, 0x28);
        byte[] ff = of(0x01, 0xff);
        byte[] overlong = of(0x02, 0xc0, 0x80);
        byte[] surrogate = of(0x03, 0xed, 0xa0, 0x80);
        byte[] continuation = of(0x01, 0x80);
        return Stream.of(
                Arguments.of(MessageType.SETUP, concat(of(0x01, 0x00), badTwoByte)),
                Arguments.of(MessageType.SETUP_OK, concat(of(0x01), ff)),
                Arguments.of(MessageType.SUBSCRIBE, concat(of(0x05), ff, str("t"), of(0x00, 0x00))),
                Arguments.of(MessageType.SUBSCRIBE, concat(of(0x05), str("b"), overlong, of(0x00, 0x00))),
                Arguments.of(MessageType.SUBSCRIBE_ERROR, concat(of(0x05, 0x07), overlong)),
                Arguments.of(MessageType.ANNOUNCE, concat(ff, of(0x01))),
                Arguments.of(MessageType.BACKUPS, concat(of(0x02), str("a:1"), continuation)),
                Arguments.of(MessageType.MOVE, continuation),
                Arguments.of(MessageType.GOAWAY, surrogate),
                Arguments.of(MessageType.ERROR, concat(of(0x02), surrogate)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidUtf8")
    void invalidUtf8InAnyStringFieldIsMalformed(MessageType type, byte[] payload) {
        assertMalformed(type, payload);
    }

    static Stream<Arguments> stringsOverTheirLimit() {
        return Stream.of(
                Arguments.of("SETUP node id", MessageType.SETUP, concat(of(0x01, 0x01), str("n".repeat(129)))),
                Arguments.of("SETUP node id, multi-byte", MessageType.SETUP,
                        concat(of(0x01, 0x01), str("é".repeat(65)))),
                Arguments.of("SETUP_OK node id", MessageType.SETUP_OK, concat(of(0x01), str("n".repeat(129)))),
                Arguments.of("SUBSCRIBE broadcast", MessageType.SUBSCRIBE,
                        concat(of(0x01), str("b".repeat(257)), str("t"), of(0x00, 0x00))),
                Arguments.of("SUBSCRIBE track", MessageType.SUBSCRIBE,
                        concat(of(0x01), str("b"), str("t".repeat(129)), of(0x00, 0x00))),
                Arguments.of("SUBSCRIBE_ERROR reason", MessageType.SUBSCRIBE_ERROR,
                        concat(of(0x01, 0x07), str("r".repeat(1025)))),
                Arguments.of("ANNOUNCE broadcast", MessageType.ANNOUNCE, concat(str("b".repeat(257)), of(0x01))),
                Arguments.of("BACKUPS address", MessageType.BACKUPS, concat(of(0x01), str("a".repeat(257)))),
                Arguments.of("MOVE address", MessageType.MOVE, str("a".repeat(257))),
                Arguments.of("GOAWAY address", MessageType.GOAWAY, str("a".repeat(257))),
                Arguments.of("ERROR reason", MessageType.ERROR, concat(of(0x01), str("r".repeat(1025)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stringsOverTheirLimit")
    void aStringOverItsLimitIsMalformed(String field, MessageType type, byte[] payload) {
        assertThat(payload.length).as("framing itself is within the type's limit").isLessThanOrEqualTo(type.maxPayload());
        ProtocolException e = assertMalformed(type, payload);
        assertThat(e.getMessage()).contains("limit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "live final", "live\tfinal", "vidéo", "a\u007f", "\u0000"})
    void anInvalidBroadcastOrTrackNameIsMalformed(String bad) {
        assertMalformed(MessageType.SUBSCRIBE, concat(of(0x01), str(bad), str("video"), of(0x00, 0x00)));
        assertMalformed(MessageType.SUBSCRIBE, concat(of(0x01), str("live"), str(bad), of(0x00, 0x00)));
        assertMalformed(MessageType.ANNOUNCE, concat(str(bad), of(0x01)));
        assertThatThrownBy(() -> new Announce(bad, true)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void anUnknownRoleIsMalformed() {
        assertMalformed(MessageType.SETUP, concat(of(0x01, 0x02), str("n")));
    }

    @Test
    void anAnnounceStatusOtherThanZeroOrOneIsMalformed() {
        assertMalformed(MessageType.ANNOUNCE, concat(str("live"), of(0x02)));
    }

    @Test
    void anUnknownStartKindIsMalformed() {
        assertMalformed(MessageType.SUBSCRIBE, concat(of(0x01), str("b"), str("t"), of(0x02, 0x00, 0x00, 0x00)));
    }

    @Test
    void aSubscribePriorityAbove255IsMalformed() {
        assertThat(decodeFramed(MessageType.SUBSCRIBE, concat(of(0x01), str("b"), str("t"), of(0x00, 0x40, 0xff))))
                .isEqualTo(new Subscribe(1, new TrackName("b", "t"), StartPosition.LATEST, 255));
        assertMalformed(MessageType.SUBSCRIBE, concat(of(0x01), str("b"), str("t"), of(0x00, 0x41, 0x00)));
    }

    @Test
    void moreThanSixteenBackupsAreMalformed() {
        List<byte[]> parts = new ArrayList<>();
        parts.add(of(17));
        for (int i = 0; i < 17; i++) {
            parts.add(str("a:" + i));
        }
        assertMalformed(MessageType.BACKUPS, concat(parts.toArray(byte[][]::new)));
    }

    @ParameterizedTest
    @ValueSource(longs = {0x11, 0x3f, 0xfe, 0xff, 0x3fff, 0x4000, (1L << 62) - 1})
    void unknownErrorCodesDecodeAsUnknown(long code) {
        SubscribeError se = (SubscribeError) decodeFramed(MessageType.SUBSCRIBE_ERROR,
                concat(of(0x09), varint(code), str("why")));
        assertThat(se).isEqualTo(new SubscribeError(9, ErrorCode.UNKNOWN, "why"));
        ErrorMessage em = (ErrorMessage) decodeFramed(MessageType.ERROR, concat(varint(code), str("why")));
        assertThat(em).isEqualTo(new ErrorMessage(ErrorCode.UNKNOWN, "why"));
    }

    @Test
    void knownErrorCodesDecodeToThemselves() {
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(decodeFramed(MessageType.ERROR, concat(varint(code.code()), str(""))))
                    .isEqualTo(new ErrorMessage(code, ""));
        }
    }

    @Test
    void subscribeOkWireValueZeroMeansNoGroupAndNIsGroupNMinusOne() {
        assertThat(decodeFramed(MessageType.SUBSCRIBE_OK, of(0x03, 0x00)))
                .isEqualTo(new SubscribeOk(3, OptionalLong.empty()));
        assertThat(decodeFramed(MessageType.SUBSCRIBE_OK, of(0x03, 0x01)))
                .isEqualTo(new SubscribeOk(3, OptionalLong.of(0)));
        assertThat(decodeFramed(MessageType.SUBSCRIBE_OK, concat(of(0x03), varint(Varint.MAX))))
                .isEqualTo(new SubscribeOk(3, OptionalLong.of(Varint.MAX - 1)));
    }

    // local validation: the constructors refuse what the peer would refuse, so encode never produces it

    @Test
    void constructorsRefuseStringsOverTheirLimit() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Setup(1, Role.RELAY, "n".repeat(129)));
        assertThatIllegalArgumentException().isThrownBy(() -> new Setup(1, Role.RELAY, "é".repeat(65)));
        assertThatIllegalArgumentException().isThrownBy(() -> new SetupOk(1, "n".repeat(129)));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new SubscribeError(1, ErrorCode.NOT_FOUND, "r".repeat(1025)));
        assertThatIllegalArgumentException().isThrownBy(() -> new ErrorMessage(ErrorCode.NOT_FOUND, "r".repeat(1025)));
        assertThatIllegalArgumentException().isThrownBy(() -> new Move("a".repeat(257)));
        assertThatIllegalArgumentException().isThrownBy(() -> new GoAway("a".repeat(257)));
        assertThatIllegalArgumentException().isThrownBy(() -> new Backups(List.of("a".repeat(257))));
    }

    @Test
    void constructorsRefuseNullStrings() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Setup(1, Role.RELAY, null));
        assertThatIllegalArgumentException().isThrownBy(() -> new GoAway(null));
        assertThatIllegalArgumentException().isThrownBy(() -> new Move(null));
        assertThatIllegalArgumentException().isThrownBy(() -> new SubscribeError(1, ErrorCode.NOT_FOUND, null));
    }

    @Test
    void backupsRefusesMoreThanSixteenAndKeepsAnImmutableCopy() {
        List<String> seventeen = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            seventeen.add("a:" + i);
        }
        assertThatIllegalArgumentException().isThrownBy(() -> new Backups(seventeen));
        List<String> mutable = new ArrayList<>(List.of("a:1"));
        Backups b = new Backups(mutable);
        mutable.add("b:2");
        assertThat(b.addresses()).containsExactly("a:1");
        assertThatThrownBy(() -> b.addresses().add("c:3")).isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 256, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void subscribeRefusesAPriorityOutside0To255(int priority) {
        assertThatIllegalArgumentException().isThrownBy(
                () -> new Subscribe(1, new TrackName("b", "t"), StartPosition.LATEST, priority));
    }

    @Test
    void startPositionAtRefusesValuesOutsideTheVarintRange() {
        assertThatIllegalArgumentException().isThrownBy(() -> new StartPosition.At(-1, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new StartPosition.At(0, -1));
        assertThatIllegalArgumentException().isThrownBy(() -> new StartPosition.At(Varint.MAX + 1, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new StartPosition.At(0, Varint.MAX + 1));
        assertThat(new StartPosition.At(Varint.MAX, Varint.MAX).group()).isEqualTo(Varint.MAX);
    }

    @Test
    void subscribeOkRefusesALatestGroupThatCannotBeSent() {
        // -1 would go on the wire as 0, i.e. silently as "no group yet"; MAX would need MAX + 1
        assertThatIllegalArgumentException().isThrownBy(() -> new SubscribeOk(1, OptionalLong.of(-1)));
        assertThatIllegalArgumentException().isThrownBy(() -> new SubscribeOk(1, OptionalLong.of(Varint.MAX)));
        assertThat(new SubscribeOk(1, OptionalLong.of(Varint.MAX - 1)).latestGroup()).hasValue(Varint.MAX - 1);
    }

    @Test
    void encodingAMessageWithAnOutOfRangeVarintFailsBeforeWritingAnything() {
        ByteBuf out = alloc.buffer();
        try {
            out.writeByte(0xaa);
            assertThatIllegalArgumentException().isThrownBy(() -> ControlCodec.encode(new Heartbeat(-1, 0, 0), out));
            assertThatIllegalArgumentException().isThrownBy(() -> ControlCodec.encode(new Unsubscribe(Varint.MAX + 1), out));
            assertThatIllegalArgumentException().isThrownBy(() -> ControlCodec.encode(new Setup(-5, Role.RELAY, ""), out));
            assertThat(readable(out)).containsExactly(0xaa);
        } finally {
            out.release();
        }
    }

    @Test
    void unknownErrorCodeReencodesAs0xff() {
        // a newer peer's code is not preserved: it comes back as UNKNOWN, which is 0xff on the wire
        SubscribeError decoded = (SubscribeError) decodeFramed(MessageType.SUBSCRIBE_ERROR, of(0x01, 0x20, 0x00));
        assertThat(payloadOf(decoded)).containsExactly(0x01, 0x40, 0xff, 0x00);
    }
}
