package dev.treecast.protocol.control;

import static dev.treecast.protocol.Wire.readable;
import static org.assertj.core.api.Assertions.assertThat;

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

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.NettyLeakCheck;
import dev.treecast.protocol.TrackingAllocator;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * Exact wire bytes of every control message, worked out by hand from {@code type | payload length | payload}
 * and each message's field list, then decoded back.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class ControlMessageBytesTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    static Stream<Arguments> messages() {
        return Stream.of(
                // SETUP 0x01: version 1, role RELAY (1), node id "relay-a" (7 bytes), rank 0, no token (the
                // three-argument constructor) -> payload 1+1+1+7+1+1 = 12
                Arguments.of(new Setup(1, Role.RELAY, "relay-a"), new int[] {
                        0x01, 0x0c, 0x01, 0x01, 0x07, 0x72, 0x65, 0x6c, 0x61, 0x79, 0x2d, 0x61, 0x00, 0x00}),
                // version 16384 takes four bytes, VIEWER is 0, empty node id, rank 0, no token -> 4+1+1+1+1 = 8
                Arguments.of(new Setup(16_384, Role.VIEWER, ""), new int[] {
                        0x01, 0x08, 0x80, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00}),
                // node id "é" is two UTF-8 bytes -> payload 1+1+1+2+1+1 = 7
                Arguments.of(new Setup(1, Role.VIEWER, "é"), new int[] {
                        0x01, 0x07, 0x01, 0x00, 0x02, 0xc3, 0xa9, 0x00, 0x00}),
                // rank 2 after node id "r2" -> payload 1+1+1+2+1+1 = 7
                Arguments.of(new Setup(1, Role.RELAY, "r2", 2), new int[] {
                        0x01, 0x07, 0x01, 0x01, 0x02, 0x72, 0x32, 0x02, 0x00}),
                // rank 64 takes two bytes (0x4040) -> payload 1+1+1+1+2+1 = 7
                Arguments.of(new Setup(1, Role.RELAY, "r", 64), new int[] {
                        0x01, 0x07, 0x01, 0x01, 0x01, 0x72, 0x40, 0x40, 0x00}),
                // rank 2^62-1 takes eight bytes -> payload 1+1+1+1+8+1 = 13
                Arguments.of(new Setup(1, Role.RELAY, "r", Varint.MAX), new int[] {
                        0x01, 0x0d, 0x01, 0x01, 0x01, 0x72, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}),
                // the token, last: "tc1.x" (5 bytes) after rank 0 -> payload 1+1+1+1+1+1+5 = 11
                Arguments.of(new Setup(1, Role.VIEWER, "v", 0, "tc1.x"), new int[] {
                        0x01, 0x0b, 0x01, 0x00, 0x01, 0x76, 0x00, 0x05, 0x74, 0x63, 0x31, 0x2e, 0x78}),
                // SETUP_OK 0x02: version 1, node id "root"
                Arguments.of(new SetupOk(1, "root"), new int[] {
                        0x02, 0x06, 0x01, 0x04, 0x72, 0x6f, 0x6f, 0x74}),
                // SUBSCRIBE 0x03: id 5, "live", "video", start LATEST (0), priority 0 -> payload 1+5+6+1+1 = 14
                Arguments.of(new Subscribe(5, new TrackName("live", "video"), StartPosition.LATEST, 0), new int[] {
                        0x03, 0x0e, 0x05, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x05, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x00,
                        0x00}),
                // id 64 (2 bytes), "b", "a", At(300, 2) = 1 | 0x412c | 2, priority 255 (2 bytes) -> payload 12
                Arguments.of(new Subscribe(64, new TrackName("b", "a"), new StartPosition.At(300, 2), 255),
                        new int[] {0x03, 0x0c, 0x40, 0x40, 0x01, 0x62, 0x01, 0x61, 0x01, 0x41, 0x2c, 0x02, 0x40,
                                0xff}),
                // SUBSCRIBE_OK 0x04: latest group is sent + 1, 0 meaning none
                Arguments.of(new SubscribeOk(7, OptionalLong.empty()), new int[] {0x04, 0x02, 0x07, 0x00}),
                Arguments.of(new SubscribeOk(7, OptionalLong.of(0)), new int[] {0x04, 0x02, 0x07, 0x01}),
                Arguments.of(new SubscribeOk(1, OptionalLong.of(62)), new int[] {0x04, 0x02, 0x01, 0x3f}),
                Arguments.of(new SubscribeOk(1, OptionalLong.of(63)), new int[] {0x04, 0x03, 0x01, 0x40, 0x40}),
                // SUBSCRIBE_ERROR 0x05: id 5, NOT_FOUND (7), "no such track" (13) -> payload 16
                Arguments.of(new SubscribeError(5, ErrorCode.NOT_FOUND, "no such track"), new int[] {
                        0x05, 0x10, 0x05, 0x07, 0x0d, 0x6e, 0x6f, 0x20, 0x73, 0x75, 0x63, 0x68, 0x20, 0x74, 0x72,
                        0x61, 0x63, 0x6b}),
                // UNSUBSCRIBE 0x06
                Arguments.of(new Unsubscribe(5), new int[] {0x06, 0x01, 0x05}),
                Arguments.of(new Unsubscribe(Varint.MAX), new int[] {
                        0x06, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
                // ANNOUNCE 0x07: "live", status 1 (live) / 0 (ended)
                Arguments.of(new Announce("live", true), new int[] {0x07, 0x06, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x01}),
                Arguments.of(new Announce("live", false), new int[] {0x07, 0x06, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x00}),
                // HEARTBEAT 0x10: seq 1, relays 2, viewers 1000 (0x3e8 -> 0x43e8)
                Arguments.of(new Heartbeat(1, 2, 1000), new int[] {0x10, 0x04, 0x01, 0x02, 0x43, 0xe8}),
                // BACKUPS 0x11: count 2, then each candidate as id | address | rank:
                // "a" (01 61) | "a:1" (03 61 3a 31) | 1 (01) = 7, "b" | "b:2" | 2 = 7 -> payload 1+7+7 = 15
                Arguments.of(new Backups(List.of(new Candidate("a", "a:1", 1), new Candidate("b", "b:2", 2))),
                        new int[] {0x11, 0x0f, 0x02,
                                0x01, 0x61, 0x03, 0x61, 0x3a, 0x31, 0x01,
                                0x01, 0x62, 0x03, 0x62, 0x3a, 0x32, 0x02}),
                Arguments.of(new Backups(List.of()), new int[] {0x11, 0x01, 0x00}),
                // one candidate, empty id, rank 16383 = 0x3fff (two bytes: 0x7fff) -> payload 1+(1+4+2) = 8
                Arguments.of(new Backups(List.of(new Candidate("", "x:9", 16_383))), new int[] {
                        0x11, 0x08, 0x01, 0x00, 0x03, 0x78, 0x3a, 0x39, 0x7f, 0xff}),
                // MOVE 0x12: parent "relay-1" (7 bytes), address "10.0.0.2:4433" (13 bytes) -> payload 8+14 = 22
                Arguments.of(new Move("relay-1", "10.0.0.2:4433"), new int[] {
                        0x12, 0x16, 0x07, 0x72, 0x65, 0x6c, 0x61, 0x79, 0x2d, 0x31,
                        0x0d, 0x31, 0x30, 0x2e, 0x30, 0x2e, 0x30, 0x2e, 0x32, 0x3a, 0x34, 0x34, 0x33, 0x33}),
                Arguments.of(new Move("", ""), new int[] {0x12, 0x02, 0x00, 0x00}),
                // GOAWAY 0x13: empty address (move to your own next backup) / "x:1"
                Arguments.of(new GoAway(""), new int[] {0x13, 0x01, 0x00}),
                Arguments.of(new GoAway("x:1"), new int[] {0x13, 0x04, 0x03, 0x78, 0x3a, 0x31}),
                // ERROR 0x1f: PROTOCOL_VIOLATION (2), "bad"
                Arguments.of(new ErrorMessage(ErrorCode.PROTOCOL_VIOLATION, "bad"), new int[] {
                        0x1f, 0x05, 0x02, 0x03, 0x62, 0x61, 0x64}),
                // UNKNOWN is 0xff on the wire, a two-byte varint
                Arguments.of(new ErrorMessage(ErrorCode.UNKNOWN, ""), new int[] {0x1f, 0x03, 0x40, 0xff, 0x00}),
                // RANK_REFUSED is 0x11, NOT_CONTROLLER 0x12
                Arguments.of(new ErrorMessage(ErrorCode.RANK_REFUSED, "rank"), new int[] {
                        0x1f, 0x06, 0x11, 0x04, 0x72, 0x61, 0x6e, 0x6b}),
                Arguments.of(new ErrorMessage(ErrorCode.NOT_CONTROLLER, ""), new int[] {0x1f, 0x02, 0x12, 0x00}),
                // JOIN 0x20: "r1" (02 72 31) | "h:1" (03 68 3a 31) | region "eu" (02 65 75) | slots 4 (04) |
                // web transport "" (00) | certificate "" (00) -> payload 3+4+3+1+1+1 = 13
                Arguments.of(new Join(EU_R1), new int[] {
                        0x20, 0x0d, 0x02, 0x72, 0x31, 0x03, 0x68, 0x3a, 0x31, 0x02, 0x65, 0x75, 0x04, 0x00, 0x00}),
                // "r" (01 72) | "h:1" (03 68 3a 31) | region "" (00) | slots 100 (40 64) |
                // "https://h/" (0a 68 74 74 70 73 3a 2f 2f 68 2f) | 64 hex digits (40 40, then "0123456789abcdef"
                // four times) -> payload 2+4+1+2+11+66 = 86 = 0x56, which takes a two-byte length (40 56)
                Arguments.of(new Join(new RelayDescription("r", "h:1", "", 100, "https://h/", HASH)), join(
                        new int[] {0x20, 0x40, 0x56, 0x01, 0x72, 0x03, 0x68, 0x3a, 0x31, 0x00, 0x40, 0x64,
                                0x0a, 0x68, 0x74, 0x74, 0x70, 0x73, 0x3a, 0x2f, 0x2f, 0x68, 0x2f, 0x40, 0x40},
                        HEX16, HEX16, HEX16, HEX16)),
                // PLACEMENT 0x21: parent "root" (04 72 6f 6f 74) | "10.0.0.1:4433" (0d + 13) | rank 1 (01) |
                // no backups (00) | no broadcast key (00) -> payload 5+14+1+1+1 = 22
                Arguments.of(new Placement("root", "10.0.0.1:4433", 1, List.of()), new int[] {
                        0x21, 0x16, 0x04, 0x72, 0x6f, 0x6f, 0x74,
                        0x0d, 0x31, 0x30, 0x2e, 0x30, 0x2e, 0x30, 0x2e, 0x31, 0x3a, 0x34, 0x34, 0x33, 0x33,
                        0x01, 0x00, 0x00}),
                // parent "p" (01 70) | "p:1" (03 70 3a 31) | rank 3 | count 2 | "b" "b:2" 2 (7) | "c" "c:3" 1 (7) |
                // no key (00) -> payload 2+4+1+1+7+7+1 = 23
                Arguments.of(new Placement("p", "p:1", 3,
                        List.of(new Candidate("b", "b:2", 2), new Candidate("c", "c:3", 1))), new int[] {
                        0x21, 0x17, 0x01, 0x70, 0x03, 0x70, 0x3a, 0x31, 0x03, 0x02,
                        0x01, 0x62, 0x03, 0x62, 0x3a, 0x32, 0x02,
                        0x01, 0x63, 0x03, 0x63, 0x3a, 0x33, 0x01, 0x00}),
                // parent "p" | "p:1" | rank 1 | no backups (00) | a 32-byte broadcast key (20, then 00 01 .. 1f)
                // -> payload 2+4+1+1+1+32 = 41 = 0x29
                Arguments.of(new Placement("p", "p:1", 1, List.of(), KEY), join(new int[] {
                        0x21, 0x29, 0x01, 0x70, 0x03, 0x70, 0x3a, 0x31, 0x01, 0x00, 0x20}, KEY_BYTES)),
                // REPORT 0x22: the JOIN description above (13) | rank 2 (02) | parent "root" (04 72 6f 6f 74) |
                // viewers 1000 (43 e8) | no traffic yet: received 0 (00), forwarded 0 (00) -> payload 13+1+5+2+2 = 23
                Arguments.of(new Report(EU_R1, 2, "root", 1000), new int[] {
                        0x22, 0x17, 0x02, 0x72, 0x31, 0x03, 0x68, 0x3a, 0x31, 0x02, 0x65, 0x75, 0x04, 0x00, 0x00,
                        0x02, 0x04, 0x72, 0x6f, 0x6f, 0x74, 0x43, 0xe8, 0x00, 0x00}),
                // with traffic: received 1 000 000 = 0xf4240 (80 0f 42 40), forwarded 63 (3f) -> payload 13+1+5+2+4+1
                // = 26
                Arguments.of(new Report(EU_R1, 2, "root", 1000, 1_000_000, 63), new int[] {
                        0x22, 0x1a, 0x02, 0x72, 0x31, 0x03, 0x68, 0x3a, 0x31, 0x02, 0x65, 0x75, 0x04, 0x00, 0x00,
                        0x02, 0x04, 0x72, 0x6f, 0x6f, 0x74, 0x43, 0xe8, 0x80, 0x0f, 0x42, 0x40, 0x3f}),
                // while repairing: no parent; "r" (01 72), four empty fields / zeros, rank 1, "" parent, 0 viewers,
                // 0 and 0 bytes -> payload 2+1+1+1+1+1+1+1+1+1+1 = 12
                Arguments.of(new Report(new RelayDescription("r", "", "", 0, "", ""), 1, "", 0), new int[] {
                        0x22, 0x0c, 0x01, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00}),
                // REPAIRED 0x23: "p1" (02 70 31) | "p2" (02 70 32) | 250000 us = 0x3d090, four bytes (80 03 d0 90)
                // -> payload 3+3+4 = 10
                Arguments.of(new Repaired("p1", "p2", 250_000), new int[] {
                        0x23, 0x0a, 0x02, 0x70, 0x31, 0x02, 0x70, 0x32, 0x80, 0x03, 0xd0, 0x90}),
                Arguments.of(new Repaired("", "b", 0), new int[] {0x23, 0x04, 0x00, 0x01, 0x62, 0x00}));
    }

    /** "0123456789abcdef" in ASCII: four of them make a 64-digit certificate hash. */
    private static final int[] HEX16 = {
            0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66};
    private static final String HASH = "0123456789abcdef".repeat(4);
    private static final RelayDescription EU_R1 = new RelayDescription("r1", "h:1", "eu", 4, "", "");
    /** A 32-byte broadcast key: 00 01 02 .. 1f. */
    private static final int[] KEY_BYTES = java.util.stream.IntStream.range(0, 32).toArray();
    private static final byte[] KEY = dev.treecast.protocol.Wire.of(KEY_BYTES);

    private static int[] join(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void encodesToExactBytes(ControlMessage message, int[] expected) {
        ByteBuf out = alloc.buffer();
        try {
            ControlCodec.encode(message, out);
            assertThat(readable(out)).containsExactly(expected);
            assertThat(ControlCodec.encodedLength(message)).isEqualTo(expected.length);
        } finally {
            out.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void decodesExactBytesToTheMessage(ControlMessage message, int[] wire) {
        ByteBuf in = alloc.bytes(wire);
        try {
            assertThat(ControlCodec.decode(in)).isEqualTo(message);
            assertThat(in.isReadable()).isFalse();
        } finally {
            in.release();
        }
    }

    @Test
    void aPayloadOf64BytesOrMoreHasATwoByteLengthPrefix() {
        // id 5, code 7, reason of 100 'r' (length 100 = 0x4064, two bytes) -> payload 1+1+2+100 = 104 = 0x4068
        SubscribeError message = new SubscribeError(5, ErrorCode.NOT_FOUND, "r".repeat(100));
        ByteBuf out = alloc.buffer();
        try {
            ControlCodec.encode(message, out);
            byte[] bytes = readable(out);
            assertThat(bytes).hasSize(3 + 104).startsWith(0x05, 0x40, 0x68, 0x05, 0x07, 0x40, 0x64, 0x72);
            assertThat(ControlCodec.decode(out)).isEqualTo(message);
        } finally {
            out.release();
        }
    }

    @Test
    void messageTypeIdsAreFixed() {
        assertThat(MessageType.SETUP.id()).isEqualTo(0x01);
        assertThat(MessageType.SETUP_OK.id()).isEqualTo(0x02);
        assertThat(MessageType.SUBSCRIBE.id()).isEqualTo(0x03);
        assertThat(MessageType.SUBSCRIBE_OK.id()).isEqualTo(0x04);
        assertThat(MessageType.SUBSCRIBE_ERROR.id()).isEqualTo(0x05);
        assertThat(MessageType.UNSUBSCRIBE.id()).isEqualTo(0x06);
        assertThat(MessageType.ANNOUNCE.id()).isEqualTo(0x07);
        assertThat(MessageType.HEARTBEAT.id()).isEqualTo(0x10);
        assertThat(MessageType.BACKUPS.id()).isEqualTo(0x11);
        assertThat(MessageType.MOVE.id()).isEqualTo(0x12);
        assertThat(MessageType.GOAWAY.id()).isEqualTo(0x13);
        assertThat(MessageType.ERROR.id()).isEqualTo(0x1f);
        assertThat(MessageType.JOIN.id()).isEqualTo(0x20);
        assertThat(MessageType.PLACEMENT.id()).isEqualTo(0x21);
        assertThat(MessageType.REPORT.id()).isEqualTo(0x22);
        assertThat(MessageType.REPAIRED.id()).isEqualTo(0x23);
        assertThat(MessageType.values()).hasSize(16);
        for (MessageType t : MessageType.values()) {
            assertThat(MessageType.byId(t.id())).isSameAs(t);
        }
    }

    @Test
    void everyMessageReportsItsType() {
        assertThat(new Setup(1, Role.RELAY, "n").type()).isSameAs(MessageType.SETUP);
        assertThat(new SetupOk(1, "n").type()).isSameAs(MessageType.SETUP_OK);
        assertThat(new Subscribe(1, new TrackName("b", "t"), StartPosition.LATEST, 0).type())
                .isSameAs(MessageType.SUBSCRIBE);
        assertThat(new SubscribeOk(1, OptionalLong.empty()).type()).isSameAs(MessageType.SUBSCRIBE_OK);
        assertThat(new SubscribeError(1, ErrorCode.NOT_FOUND, "").type()).isSameAs(MessageType.SUBSCRIBE_ERROR);
        assertThat(new Unsubscribe(1).type()).isSameAs(MessageType.UNSUBSCRIBE);
        assertThat(new Announce("b", true).type()).isSameAs(MessageType.ANNOUNCE);
        assertThat(new Heartbeat(1, 1, 1).type()).isSameAs(MessageType.HEARTBEAT);
        assertThat(new Backups(List.of()).type()).isSameAs(MessageType.BACKUPS);
        assertThat(new Move("p", "a").type()).isSameAs(MessageType.MOVE);
        assertThat(new GoAway("").type()).isSameAs(MessageType.GOAWAY);
        assertThat(new ErrorMessage(ErrorCode.NO_ERROR, "").type()).isSameAs(MessageType.ERROR);
        assertThat(new Join(EU_R1).type()).isSameAs(MessageType.JOIN);
        assertThat(new Placement("p", "p:1", 1, List.of()).type()).isSameAs(MessageType.PLACEMENT);
        assertThat(new Report(EU_R1, 1, "", 0).type()).isSameAs(MessageType.REPORT);
        assertThat(new Repaired("a", "b", 0).type()).isSameAs(MessageType.REPAIRED);
    }

    @Test
    void maxPayloadsAreFixed() {
        assertThat(MessageType.BACKUPS.maxPayload()).isEqualTo(8192);
        assertThat(MessageType.MOVE.maxPayload()).isEqualTo(512);
        assertThat(MessageType.JOIN.maxPayload()).isEqualTo(1024);
        assertThat(MessageType.PLACEMENT.maxPayload()).isEqualTo(8192);
        assertThat(MessageType.REPORT.maxPayload()).isEqualTo(1024);
        assertThat(MessageType.REPAIRED.maxPayload()).isEqualTo(512);
    }

    @Test
    void setupWithoutARankMeansRankZero() {
        assertThat(new Setup(1, Role.VIEWER, "v")).isEqualTo(new Setup(1, Role.VIEWER, "v", 0));
        assertThat(new Setup(1, Role.RELAY, "r", 7).rank()).isEqualTo(7);
    }
}
