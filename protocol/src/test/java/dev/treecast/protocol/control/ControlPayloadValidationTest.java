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
import java.util.Collections;
import java.util.List;
import java.util.Locale;
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

    private static final String HASH = "0123456789abcdef".repeat(4);
    private static final RelayDescription DESCRIPTION =
            new RelayDescription("r1", "10.0.0.5:4433", "eu-west", 8, "https://10.0.0.5:4443/watch/", HASH);
    private static final RelayDescription BARE = new RelayDescription("r", "", "", 0, "", "");

    static List<ControlMessage> samples() {
        return List.of(
                new Setup(1, Role.RELAY, "relay-a"),
                new Setup(Varint.MAX, Role.VIEWER, ""),
                new Setup(1, Role.RELAY, "relay-b", 3),
                new Setup(1, Role.RELAY, "é", Varint.MAX),
                new Setup(1, Role.VIEWER, "v", 0, "tc1.abc.def"),
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
                new Backups(List.of(new Candidate("a", "a:1", 1), new Candidate("b", "b:2", 1 << 20))),
                new Backups(List.of()),
                new Backups(List.of(new Candidate("", "", 0))),
                new Move("relay-1", "10.0.0.2:4433"),
                new Move("", ""),
                new GoAway(""),
                new GoAway("x:1"),
                new ErrorMessage(ErrorCode.PROTOCOL_VIOLATION, "bad"),
                new ErrorMessage(ErrorCode.UNKNOWN, "é"),
                new ErrorMessage(ErrorCode.RANK_REFUSED, "rank 3 is not above 3"),
                new Join(DESCRIPTION),
                new Join(BARE),
                new Placement("root", "10.0.0.1:4433", 1, List.of()),
                new Placement("p", "p:1", 1 << 16,
                        List.of(new Candidate("b", "b:2", 2), new Candidate("ü", "c:3", Varint.MAX))),
                new Report(DESCRIPTION, 2, "root", 1000),
                new Report(BARE, Varint.MAX, "", 0),
                new Report(DESCRIPTION, 2, "root", 1000, 123_456_789, Varint.MAX),
                new Repaired("p1", "p2", 250_000),
                new Repaired("", "", Varint.MAX));
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
                Arguments.of(MessageType.SETUP, concat(of(0x01, 0x00), badTwoByte, of(0x00), str(""))),
                Arguments.of(MessageType.SETUP, concat(of(0x01, 0x00), str("v"), of(0x00), badTwoByte)),
                Arguments.of(MessageType.SETUP_OK, concat(of(0x01), ff)),
                Arguments.of(MessageType.SUBSCRIBE, concat(of(0x05), ff, str("t"), of(0x00, 0x00))),
                Arguments.of(MessageType.SUBSCRIBE, concat(of(0x05), str("b"), overlong, of(0x00, 0x00))),
                Arguments.of(MessageType.SUBSCRIBE_ERROR, concat(of(0x05, 0x07), overlong)),
                Arguments.of(MessageType.ANNOUNCE, concat(ff, of(0x01))),
                Arguments.of(MessageType.BACKUPS, concat(of(0x01), continuation, str("a:1"), of(0x01))),
                Arguments.of(MessageType.BACKUPS,
                        concat(of(0x02), str("a"), str("a:1"), of(0x01), str("b"), continuation, of(0x01))),
                Arguments.of(MessageType.MOVE, concat(continuation, str("a:1"))),
                Arguments.of(MessageType.MOVE, concat(str("p"), continuation)),
                Arguments.of(MessageType.GOAWAY, surrogate),
                Arguments.of(MessageType.ERROR, concat(of(0x02), surrogate)),
                Arguments.of(MessageType.JOIN, concat(ff, str("h:1"), str(""), of(0x01), str(""), str(""))),
                Arguments.of(MessageType.JOIN, concat(str("r"), overlong, str(""), of(0x01), str(""), str(""))),
                Arguments.of(MessageType.JOIN, concat(str("r"), str("h:1"), badTwoByte, of(0x01), str(""), str(""))),
                Arguments.of(MessageType.JOIN, concat(str("r"), str("h:1"), str(""), of(0x01), surrogate, str(""))),
                Arguments.of(MessageType.JOIN, concat(str("r"), str("h:1"), str(""), of(0x01), str(""), ff)),
                Arguments.of(MessageType.PLACEMENT, concat(ff, str("p:1"), of(0x01, 0x00))),
                Arguments.of(MessageType.PLACEMENT, concat(str("p"), continuation, of(0x01, 0x00))),
                Arguments.of(MessageType.PLACEMENT,
                        concat(str("p"), str("p:1"), of(0x02, 0x01), str("b"), overlong, of(0x01))),
                Arguments.of(MessageType.REPORT,
                        concat(str("r"), str(""), str(""), of(0x00), str(""), str(""), of(0x01), surrogate, of(0x00))),
                Arguments.of(MessageType.REPORT,
                        concat(str("r"), str(""), badTwoByte, of(0x00), str(""), str(""), of(0x01), str(""), of(0x00))),
                Arguments.of(MessageType.REPAIRED, concat(badTwoByte, str("b"), of(0x00))),
                Arguments.of(MessageType.REPAIRED, concat(str("a"), continuation, of(0x00))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidUtf8")
    void invalidUtf8InAnyStringFieldIsMalformed(MessageType type, byte[] payload) {
        assertMalformed(type, payload);
    }

    static Stream<Arguments> stringsOverTheirLimit() {
        return Stream.of(
                Arguments.of("SETUP node id", MessageType.SETUP,
                        concat(of(0x01, 0x01), str("n".repeat(129)), of(0x00))),
                Arguments.of("SETUP node id, multi-byte", MessageType.SETUP,
                        concat(of(0x01, 0x01), str("é".repeat(65)), of(0x00))),
                Arguments.of("SETUP_OK node id", MessageType.SETUP_OK, concat(of(0x01), str("n".repeat(129)))),
                Arguments.of("SUBSCRIBE broadcast", MessageType.SUBSCRIBE,
                        concat(of(0x01), str("b".repeat(257)), str("t"), of(0x00, 0x00))),
                Arguments.of("SUBSCRIBE track", MessageType.SUBSCRIBE,
                        concat(of(0x01), str("b"), str("t".repeat(129)), of(0x00, 0x00))),
                Arguments.of("SUBSCRIBE_ERROR reason", MessageType.SUBSCRIBE_ERROR,
                        concat(of(0x01, 0x07), str("r".repeat(1025)))),
                Arguments.of("ANNOUNCE broadcast", MessageType.ANNOUNCE, concat(str("b".repeat(257)), of(0x01))),
                Arguments.of("BACKUPS node id", MessageType.BACKUPS,
                        concat(of(0x01), str("n".repeat(129)), str("a:1"), of(0x01))),
                Arguments.of("BACKUPS address", MessageType.BACKUPS,
                        concat(of(0x01), str("n"), str("a".repeat(257)), of(0x01))),
                Arguments.of("BACKUPS address of the last of sixteen", MessageType.BACKUPS,
                        concat(of(0x10), concat(Collections.nCopies(15, candidate("n", "a:1", 1))
                                .toArray(byte[][]::new)), str("n"), str("a".repeat(257)), of(0x01))),
                Arguments.of("MOVE parent id", MessageType.MOVE, concat(str("p".repeat(129)), str("a:1"))),
                Arguments.of("MOVE address", MessageType.MOVE, concat(str("p"), str("a".repeat(257)))),
                Arguments.of("GOAWAY address", MessageType.GOAWAY, str("a".repeat(257))),
                Arguments.of("ERROR reason", MessageType.ERROR, concat(of(0x01), str("r".repeat(1025)))),
                Arguments.of("JOIN node id", MessageType.JOIN, description("n".repeat(129), "a:1", "", "", "")),
                Arguments.of("JOIN address", MessageType.JOIN, description("n", "a".repeat(257), "", "", "")),
                Arguments.of("JOIN region", MessageType.JOIN, description("n", "a:1", "r".repeat(65), "", "")),
                Arguments.of("JOIN region, multi-byte", MessageType.JOIN,
                        description("n", "a:1", "é".repeat(33), "", "")),
                Arguments.of("JOIN web transport", MessageType.JOIN,
                        description("n", "a:1", "", "w".repeat(257), "")),
                Arguments.of("JOIN certificate sha-256", MessageType.JOIN,
                        description("n", "a:1", "", "", HASH + "0")),
                Arguments.of("PLACEMENT parent id", MessageType.PLACEMENT,
                        concat(str("p".repeat(129)), str("p:1"), of(0x01, 0x00))),
                Arguments.of("PLACEMENT parent address", MessageType.PLACEMENT,
                        concat(str("p"), str("a".repeat(257)), of(0x01, 0x00))),
                Arguments.of("PLACEMENT backup node id", MessageType.PLACEMENT,
                        concat(str("p"), str("p:1"), of(0x02, 0x01), str("n".repeat(129)), str("a:1"), of(0x01))),
                Arguments.of("PLACEMENT backup address", MessageType.PLACEMENT,
                        concat(str("p"), str("p:1"), of(0x02, 0x01), str("n"), str("a".repeat(257)), of(0x01))),
                Arguments.of("REPORT node id", MessageType.REPORT,
                        concat(description("n".repeat(129), "a:1", "", "", ""), of(0x01), str("p"), of(0x00))),
                Arguments.of("REPORT region", MessageType.REPORT,
                        concat(description("n", "a:1", "r".repeat(65), "", ""), of(0x01), str("p"), of(0x00))),
                Arguments.of("REPORT certificate sha-256", MessageType.REPORT,
                        concat(description("n", "a:1", "", "", HASH + HASH), of(0x01), str("p"), of(0x00))),
                Arguments.of("REPORT parent id", MessageType.REPORT,
                        concat(description("n", "a:1", "", "", ""), of(0x01), str("p".repeat(129)), of(0x00))),
                Arguments.of("REPAIRED old parent id", MessageType.REPAIRED,
                        concat(str("o".repeat(129)), str("n"), of(0x00))),
                Arguments.of("REPAIRED new parent id", MessageType.REPAIRED,
                        concat(str("o"), str("n".repeat(129)), of(0x00))));
    }

    /** A relay description on the wire, with 1 slot. */
    private static byte[] description(String nodeId, String address, String region, String webTransport,
            String hash) {
        return concat(str(nodeId), str(address), str(region), of(0x01), str(webTransport), str(hash));
    }

    /** A candidate on the wire. */
    private static byte[] candidate(String nodeId, String address, long rank) {
        return concat(str(nodeId), str(address), varint(rank));
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
        assertMalformed(MessageType.SETUP, concat(of(0x01, 0x02), str("n"), of(0x00), str("")));
    }

    @Test
    void aSetupWithoutARankIsMalformed() {
        // what a peer from before ranks sends: version, role, node id and nothing else
        assertMalformed(MessageType.SETUP, concat(of(0x01, 0x00), str("browser")));
        assertThat(decodeFramed(MessageType.SETUP, concat(of(0x01, 0x00), str("browser"), of(0x00), str(""))))
                .isEqualTo(new Setup(1, Role.VIEWER, "browser"));
    }

    @Test
    void aSetupWithoutATokenFieldIsMalformed() {
        // what a peer from before tokens sends: version, role, node id, rank and nothing else
        assertMalformed(MessageType.SETUP, concat(of(0x01, 0x01), str("r"), of(0x02)));
        assertThat(decodeFramed(MessageType.SETUP, concat(of(0x01, 0x01), str("r"), of(0x02), str(""))))
                .isEqualTo(new Setup(1, Role.RELAY, "r", 2));
        assertThat(decodeFramed(MessageType.SETUP, concat(of(0x01, 0x01), str("r"), of(0x02), str("tc1.a.b"))))
                .isEqualTo(new Setup(1, Role.RELAY, "r", 2, "tc1.a.b"));
        // a token over its limit is refused before its bytes are read
        assertMalformed(MessageType.SETUP, concat(of(0x01, 0x01), str("r"), of(0x02),
                varint(Setup.MAX_TOKEN + 1), "t".repeat(Setup.MAX_TOKEN + 1).getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aSetupNeverShowsItsTokenAndANullTokenIsNone() {
        Setup setup = new Setup(1, Role.RELAY, "r", 2, "tc1.secret.signature");
        assertThat(setup.toString()).doesNotContain("secret").contains("token=(20 characters)");
        assertThat(new Setup(1, Role.VIEWER, "v", 0, null)).isEqualTo(new Setup(1, Role.VIEWER, "v"));
        assertThat(new Setup(1, Role.VIEWER, "v").hasToken()).isFalse();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Setup(1, Role.VIEWER, "v", 0, "t".repeat(Setup.MAX_TOKEN + 1)));
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

    private static byte[] candidates(int count) {
        List<byte[]> parts = new ArrayList<>();
        parts.add(varint(count));
        for (int i = 0; i < count; i++) {
            parts.add(candidate("n" + i, "a:" + i, i));
        }
        return concat(parts.toArray(byte[][]::new));
    }

    @Test
    void sixteenCandidatesAreFineAndSeventeenAreMalformed() {
        Backups sixteen = (Backups) decodeFramed(MessageType.BACKUPS, candidates(16));
        assertThat(sixteen.candidates()).hasSize(16).element(15).isEqualTo(new Candidate("n15", "a:15", 15));
        ProtocolException e = assertMalformed(MessageType.BACKUPS, candidates(17));
        assertThat(e.getMessage()).contains("17").contains("16");
        Placement placement = (Placement) decodeFramed(MessageType.PLACEMENT,
                concat(str("p"), str("p:1"), of(0x20), candidates(16), of(0x00)));
        assertThat(placement.backups()).hasSize(16).element(0).isEqualTo(new Candidate("n0", "a:0", 0));
        e = assertMalformed(MessageType.PLACEMENT, concat(str("p"), str("p:1"), of(0x20), candidates(17)));
        assertThat(e.getMessage()).contains("17").contains("16");
    }

    @Test
    void aPlacementBroadcastKeyOfUpTo64BytesIsFineLongerOrTruncatedIsMalformed() {
        byte[] key64 = new byte[64];
        java.util.Arrays.fill(key64, (byte) 7);
        Placement placement = (Placement) decodeFramed(MessageType.PLACEMENT,
                concat(str("p"), str("p:1"), of(0x01, 0x00, 0x40, 0x40), key64));
        assertThat(placement.broadcastKey()).isEqualTo(key64);
        ProtocolException e = assertMalformed(MessageType.PLACEMENT,
                concat(str("p"), str("p:1"), of(0x01, 0x00, 0x40, 0x41), key64, of(0x07)));
        assertThat(e.getMessage()).contains("broadcast key").contains("65").contains("64");
        e = assertMalformed(MessageType.PLACEMENT, concat(str("p"), str("p:1"), of(0x01, 0x00, 0x20), new byte[31]));
        assertThat(e.getMessage()).contains("broadcast key");
        // A placement from before keys existed (nothing after the backups) is malformed, not silently keyless.
        assertMalformed(MessageType.PLACEMENT, concat(str("p"), str("p:1"), of(0x01, 0x00)));
    }

    @ParameterizedTest
    @ValueSource(longs = {17, 63, 64, 0x3fff, 1L << 30, Integer.MAX_VALUE + 1L, (1L << 62) - 1})
    void aHugeCandidateCountIsRefusedBeforeAnythingIsAllocated(long count) {
        // only the count, no candidates at all: refused on the count, not by running out of bytes
        ProtocolException e = assertMalformed(MessageType.BACKUPS, varint(count));
        assertThat(e.getMessage()).contains("count").contains(Long.toString(count));
        e = assertMalformed(MessageType.PLACEMENT, concat(str("p"), str("p:1"), of(0x01), varint(count)));
        assertThat(e.getMessage()).contains("count").contains(Long.toString(count));
    }

    @Test
    void aCountPromisingMoreCandidatesThanFollowIsMalformed() {
        assertMalformed(MessageType.BACKUPS, concat(of(0x02), candidate("a", "a:1", 1)));
        assertMalformed(MessageType.PLACEMENT, concat(str("p"), str("p:1"), of(0x05, 0x02), candidate("a", "a:1", 1)));
    }

    static Stream<Arguments> badCertificateHashes() {
        return Stream.of(
                Arguments.of("uppercase", HASH.toUpperCase(Locale.ROOT)),
                Arguments.of("one uppercase digit", "A" + HASH.substring(1)),
                Arguments.of("63 digits", HASH.substring(1)),
                Arguments.of("one digit", "0"),
                Arguments.of("not hex", "g" + HASH.substring(1)),
                Arguments.of("a space", " " + HASH.substring(1)),
                Arguments.of("colon-separated", "ab:cd"),
                Arguments.of("a multi-byte character", "é" + HASH.substring(2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCertificateHashes")
    void aCertificateHashThatIsNotEmptyOr64LowercaseHexDigitsIsMalformed(String what, String hash) {
        ProtocolException e = assertMalformed(MessageType.JOIN, description("n", "a:1", "", "", hash));
        assertThat(e.getMessage()).contains("certificate");
        assertMalformed(MessageType.REPORT, concat(description("n", "a:1", "", "", hash), of(0x01), str(""), of(0x00)));
        assertThat(RelayDescription.isValidCertificateSha256(hash)).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> new RelayDescription("n", "a:1", "", 1, "", hash))
                .withMessageContaining("certificate");
    }

    @Test
    void aCertificateHashOf64LowercaseHexDigitsOrNoneIsAccepted() {
        String all = "0123456789abcdef".repeat(4);
        assertThat(decodeFramed(MessageType.JOIN, description("n", "a:1", "", "", all)))
                .isEqualTo(new Join(new RelayDescription("n", "a:1", "", 1, "", all)));
        assertThat(decodeFramed(MessageType.JOIN, description("n", "a:1", "", "", "")))
                .isEqualTo(new Join(new RelayDescription("n", "a:1", "", 1, "", "")));
        assertThat(RelayDescription.isValidCertificateSha256("f".repeat(64))).isTrue();
        assertThat(RelayDescription.isValidCertificateSha256("")).isTrue();
        assertThat(RelayDescription.isValidCertificateSha256(null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(longs = {0x15, 0x3f, 0xfe, 0xff, 0x3fff, 0x4000, (1L << 62) - 1})
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
        assertThatIllegalArgumentException().isThrownBy(() -> new Setup(1, Role.RELAY, "n".repeat(129), 1));
        assertThatIllegalArgumentException().isThrownBy(() -> new Move("p", "a".repeat(257)));
        assertThatIllegalArgumentException().isThrownBy(() -> new Move("p".repeat(129), "a:1"));
        assertThatIllegalArgumentException().isThrownBy(() -> new GoAway("a".repeat(257)));
        assertThatIllegalArgumentException().isThrownBy(() -> new Candidate("n", "a".repeat(257), 1));
        assertThatIllegalArgumentException().isThrownBy(() -> new Candidate("n".repeat(129), "a:1", 1));
        assertThatIllegalArgumentException().isThrownBy(() -> new Candidate("é".repeat(65), "a:1", 1));
        String w = "https://h/";
        assertThatIllegalArgumentException().isThrownBy(() -> new RelayDescription("n".repeat(129), "a", "", 1, w, HASH));
        assertThatIllegalArgumentException().isThrownBy(() -> new RelayDescription("n", "a".repeat(257), "", 1, w, HASH));
        assertThatIllegalArgumentException().isThrownBy(() -> new RelayDescription("n", "a", "r".repeat(65), 1, w, HASH));
        assertThatIllegalArgumentException().isThrownBy(() -> new RelayDescription("n", "a", "é".repeat(33), 1, w, HASH));
        assertThatIllegalArgumentException().isThrownBy(() -> new RelayDescription("n", "a", "", 1, "w".repeat(257), HASH));
        assertThatIllegalArgumentException().isThrownBy(() -> new Placement("p".repeat(129), "p:1", 1, List.of()));
        assertThatIllegalArgumentException().isThrownBy(() -> new Placement("p", "a".repeat(257), 1, List.of()));
        assertThatIllegalArgumentException().isThrownBy(() -> new Report(BARE, 1, "p".repeat(129), 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new Repaired("o".repeat(129), "n", 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new Repaired("o", "n".repeat(129), 0));
        // exactly at the limits is fine
        assertThat(new RelayDescription("n".repeat(128), "a".repeat(256), "é".repeat(32), 1, "w".repeat(256), HASH)
                .region()).hasSize(32);
    }

    @Test
    void constructorsRefuseNulls() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Setup(1, Role.RELAY, null));
        assertThatIllegalArgumentException().isThrownBy(() -> new Setup(1, Role.RELAY, null, 1));
        assertThatIllegalArgumentException().isThrownBy(() -> new GoAway(null));
        assertThatIllegalArgumentException().isThrownBy(() -> new Move(null, "a:1"));
        assertThatIllegalArgumentException().isThrownBy(() -> new Move("p", null));
        assertThatIllegalArgumentException().isThrownBy(() -> new SubscribeError(1, ErrorCode.NOT_FOUND, null));
        assertThatIllegalArgumentException().isThrownBy(() -> new Candidate(null, "a:1", 1));
        assertThatIllegalArgumentException().isThrownBy(() -> new Candidate("n", null, 1));
        assertThatIllegalArgumentException().isThrownBy(() -> new Backups(null));
        assertThatIllegalArgumentException().isThrownBy(
                () -> new Backups(Arrays.asList(new Candidate("n", "a:1", 1), null)));
        assertThatIllegalArgumentException().isThrownBy(() -> new RelayDescription(null, "a", "", 1, "", ""));
        assertThatIllegalArgumentException().isThrownBy(() -> new RelayDescription("n", null, "", 1, "", ""));
        assertThatIllegalArgumentException().isThrownBy(() -> new RelayDescription("n", "a", null, 1, "", ""));
        assertThatIllegalArgumentException().isThrownBy(() -> new RelayDescription("n", "a", "", 1, null, ""));
        assertThatIllegalArgumentException().isThrownBy(() -> new RelayDescription("n", "a", "", 1, "", null));
        assertThatIllegalArgumentException().isThrownBy(() -> new Join(null));
        assertThatIllegalArgumentException().isThrownBy(() -> new Placement(null, "p:1", 1, List.of()));
        assertThatIllegalArgumentException().isThrownBy(() -> new Placement("p", null, 1, List.of()));
        assertThatIllegalArgumentException().isThrownBy(() -> new Placement("p", "p:1", 1, null));
        assertThatIllegalArgumentException().isThrownBy(
                () -> new Placement("p", "p:1", 1, Arrays.asList((Candidate) null)));
        assertThatIllegalArgumentException().isThrownBy(() -> new Report(null, 1, "", 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new Report(BARE, 1, null, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new Repaired(null, "n", 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new Repaired("o", null, 0));
    }

    private static List<Candidate> candidateList(int n) {
        List<Candidate> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new Candidate("n" + i, "a:" + i, i));
        }
        return list;
    }

    @Test
    void backupsRefusesMoreThanSixteenAndKeepsAnImmutableCopy() {
        assertThat(Backups.MAX_CANDIDATES).isEqualTo(16);
        assertThat(new Backups(candidateList(16)).candidates()).hasSize(16);
        assertThatIllegalArgumentException().isThrownBy(() -> new Backups(candidateList(17)))
                .withMessageContaining("17");
        List<Candidate> mutable = candidateList(1);
        Backups b = new Backups(mutable);
        mutable.add(new Candidate("x", "x:1", 1));
        assertThat(b.candidates()).containsExactly(new Candidate("n0", "a:0", 0));
        assertThatThrownBy(() -> b.candidates().add(new Candidate("y", "y:1", 1)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void placementRefusesMoreThanSixteenBackupsAndKeepsAnImmutableCopy() {
        assertThat(Placement.MAX_BACKUPS).isEqualTo(16);
        assertThat(new Placement("p", "p:1", 1, candidateList(16)).backups()).hasSize(16);
        assertThatIllegalArgumentException().isThrownBy(() -> new Placement("p", "p:1", 1, candidateList(17)))
                .withMessageContaining("17");
        List<Candidate> mutable = candidateList(1);
        Placement p = new Placement("p", "p:1", 1, mutable);
        mutable.clear();
        assertThat(p.backups()).containsExactly(new Candidate("n0", "a:0", 0));
        assertThatThrownBy(() -> p.backups().clear()).isInstanceOf(UnsupportedOperationException.class);
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
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> ControlCodec.encode(new Setup(1, Role.RELAY, "r", -1), out));
            assertThatIllegalArgumentException().isThrownBy(() -> ControlCodec.encode(
                    new Backups(List.of(new Candidate("a", "a:1", Varint.MAX + 1))), out));
            assertThatIllegalArgumentException().isThrownBy(() -> ControlCodec.encode(
                    new Join(new RelayDescription("r", "a:1", "", -1, "", "")), out));
            assertThatIllegalArgumentException().isThrownBy(() -> ControlCodec.encode(
                    new Placement("p", "p:1", -1, List.of()), out));
            assertThatIllegalArgumentException().isThrownBy(() -> ControlCodec.encode(
                    new Report(BARE, 1, "", Varint.MAX + 1), out));
            assertThatIllegalArgumentException().isThrownBy(() -> ControlCodec.encode(
                    new Report(BARE, 1, "", 0, -1, 0), out));
            assertThatIllegalArgumentException().isThrownBy(() -> ControlCodec.encode(
                    new Report(BARE, 1, "", 0, 0, Varint.MAX + 1), out));
            assertThatIllegalArgumentException().isThrownBy(() -> ControlCodec.encode(
                    new Repaired("a", "b", Long.MIN_VALUE), out));
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
