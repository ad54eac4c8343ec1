package dev.treecast.protocol.moqlite;

import static dev.treecast.protocol.Wire.of;
import static dev.treecast.protocol.Wire.readable;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.treecast.protocol.TrackingAllocator;
import io.netty.buffer.ByteBuf;

/**
 * Exact wire bytes of every moq-lite-05 message, worked out by hand from the field lists of
 * draft-lcurley-moq-lite-05 as {@code @moq/net} 0.2.8 reads and writes them ({@code size | body}, one-byte priority
 * and booleans, QUIC varints elsewhere), then decoded back from those bytes.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LiteMessageBytesTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    private static final int[] LIVE = {0x04, 0x6c, 0x69, 0x76, 0x65};
    private static final int[] VIDEO = {0x05, 0x76, 0x69, 0x64, 0x65, 0x6f};

    static int[] cat(int[]... parts) {
        return Stream.of(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    static Stream<Arguments> messages() {
        Function<ByteBuf, LiteMessage> setup = Setup::decode;
        Function<ByteBuf, LiteMessage> announceRequest = AnnounceRequest::decode;
        Function<ByteBuf, LiteMessage> announceOk = AnnounceOk::decode;
        Function<ByteBuf, LiteMessage> announce = Announce::decode;
        Function<ByteBuf, LiteMessage> track = TrackRequest::decode;
        Function<ByteBuf, LiteMessage> trackInfo = TrackInfo::decode;
        Function<ByteBuf, LiteMessage> subscribe = Subscribe::decode;
        Function<ByteBuf, LiteMessage> update = SubscribeUpdate::decode;
        Function<ByteBuf, LiteMessage> group = GroupHeader::decode;
        Function<ByteBuf, LiteMessage> fetch = Fetch::decode;
        Function<ByteBuf, LiteMessage> probe = Probe::decode;
        Function<ByteBuf, LiteMessage> goaway = Goaway::decode;
        return Stream.of(
                // SETUP with nothing to say: count 0 -> size 1
                Arguments.of(Setup.EMPTY, setup, new int[] {0x01, 0x00}),
                // probe 1, role 2, origin 0x1234 (two bytes, 0x5234): count 3, then (id, length, value) each
                // -> 1 + 3 + 3 + 4 = 11
                Arguments.of(new Setup(1, "", 2, 0x1234), setup, new int[] {
                        0x0b, 0x03, 0x01, 0x01, 0x01, 0x03, 0x01, 0x02, 0x05, 0x02, 0x52, 0x34}),
                // path "ab": id 2, length 2, the bytes -> 1 + 4 = 5
                Arguments.of(new Setup(0, "ab", 0, 0), setup, new int[] {0x05, 0x01, 0x02, 0x02, 0x61, 0x62}),
                // ANNOUNCE_REQUEST prefix "live", exclude hop 7 -> 5 + 1 = 6
                Arguments.of(new AnnounceRequest("live", 7), announceRequest, cat(new int[] {0x06}, LIVE,
                        new int[] {0x07})),
                // empty prefix, a 53-bit origin as exclude hop (eight-byte varint) -> 1 + 8 = 9
                Arguments.of(new AnnounceRequest("", 0x1F_FFFF_FFFF_FFFFL), announceRequest, new int[] {
                        0x09, 0x00, 0xc0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
                // ANNOUNCE_OK origin 5, one active announce follows
                Arguments.of(new AnnounceOk(5, 1), announceOk, new int[] {0x02, 0x05, 0x01}),
                // ANNOUNCE active, suffix "" (the prefix itself), no hops
                Arguments.of(Announce.of(true, ""), announce, new int[] {0x03, 0x01, 0x00, 0x00}),
                // ANNOUNCE ended "cam", no hops
                Arguments.of(Announce.of(false, "cam"), announce, new int[] {
                        0x06, 0x00, 0x03, 0x63, 0x61, 0x6d, 0x00}),
                // hops 1 and 300 (0x412c)
                Arguments.of(new Announce(true, "", List.of(1L, 300L)), announce, new int[] {
                        0x06, 0x01, 0x00, 0x02, 0x01, 0x41, 0x2c}),
                // TRACK live/video -> 5 + 6 = 11
                Arguments.of(new TrackRequest("live", "video"), track, cat(new int[] {0x0b}, LIVE, VIDEO)),
                // TRACK_INFO priority 0, unordered, no max latency, timescale 1 000 000 (0x0f4240, four bytes)
                Arguments.of(new TrackInfo(0, false, 0, 1_000_000), trackInfo, new int[] {
                        0x07, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x42, 0x40}),
                // priority 2, ordered, 5000 ms (0x5388), timescale 90000 (0x80015f90)
                Arguments.of(new TrackInfo(2, true, 5000, 90_000), trackInfo, new int[] {
                        0x08, 0x02, 0x01, 0x53, 0x88, 0x80, 0x01, 0x5f, 0x90}),
                // SUBSCRIBE id 0 live/video, priority 1, unordered, latency 0, start latest (0), end open (0)
                // -> 1 + 5 + 6 + 1 + 1 + 1 + 1 + 1 = 17
                Arguments.of(new Subscribe(0, "live", "video", 1, false, 0, OptionalLong.empty(),
                        OptionalLong.empty()), subscribe, cat(new int[] {0x11, 0x00}, LIVE, VIDEO,
                        new int[] {0x01, 0x00, 0x00, 0x00, 0x00})),
                // id 3, broadcast "", "catalog.json", priority 0, ordered, 200 ms (0x40c8), start group 7 (+1 = 8)
                // -> 1 + 1 + 13 + 1 + 1 + 2 + 1 + 1 = 21
                Arguments.of(new Subscribe(3, "", "catalog.json", 0, true, 200, OptionalLong.of(7),
                        OptionalLong.empty()), subscribe, new int[] {0x15, 0x03, 0x00,
                        0x0c, 0x63, 0x61, 0x74, 0x61, 0x6c, 0x6f, 0x67, 0x2e, 0x6a, 0x73, 0x6f, 0x6e,
                        0x00, 0x01, 0x40, 0xc8, 0x08, 0x00}),
                // SUBSCRIBE_UPDATE priority 5, unordered, 0 ms, start latest, end group 0 (+1 = 1)
                Arguments.of(new SubscribeUpdate(5, false, 0, OptionalLong.empty(), OptionalLong.of(0)), update,
                        new int[] {0x05, 0x05, 0x00, 0x00, 0x00, 0x01}),
                // GROUP subscribe 0, sequence 5
                Arguments.of(new GroupHeader(0, 5), group, new int[] {0x02, 0x00, 0x05}),
                // subscribe 2, sequence 1000 (0x43e8)
                Arguments.of(new GroupHeader(2, 1000), group, new int[] {0x03, 0x02, 0x43, 0xe8}),
                // FETCH live/audio priority 2 group 9 -> 5 + 6 + 1 + 1 = 13
                Arguments.of(new Fetch("live", "audio", 2, 9), fetch, new int[] {0x0d, 0x04, 0x6c, 0x69, 0x76,
                        0x65, 0x05, 0x61, 0x75, 0x64, 0x69, 0x6f, 0x02, 0x09}),
                // PROBE 1 Mb/s (0x800f4240), rtt 25 ms
                Arguments.of(new Probe(1_000_000, 25), probe, new int[] {0x05, 0x80, 0x0f, 0x42, 0x40, 0x19}),
                // GOAWAY to the same place
                Arguments.of(new Goaway(""), goaway, new int[] {0x01, 0x00}));
    }

    @ParameterizedTest
    @MethodSource("messages")
    void encodesToExactBytesAndDecodesBack(LiteMessage message, Function<ByteBuf, LiteMessage> decoder,
                                           int[] expected) {
        ByteBuf out = alloc.buffer();
        try {
            LiteCodec.encode(message, out);
            assertThat(readable(out)).isEqualTo(of(expected));
            assertThat(LiteCodec.encodedLength(message)).isEqualTo(expected.length);
        } finally {
            out.release();
        }
        ByteBuf in = alloc.buffer().writeBytes(of(expected));
        try {
            ByteBuf body = LiteCodec.readBody(in, MoqLite.MAX_MESSAGE);
            assertThat(LiteCodec.decode(body, decoder)).isEqualTo(message);
            assertThat(in.isReadable()).isFalse();
        } finally {
            in.release();
        }
    }

    static Stream<Arguments> responses() {
        return Stream.of(
                // type 0, size 1, group 12
                Arguments.of(new SubscribeResponse.Start(12), new int[] {0x00, 0x01, 0x0c}),
                // type 1, size 1, group 0 (the track ended before any group)
                Arguments.of(new SubscribeResponse.End(0), new int[] {0x01, 0x01, 0x00}),
                // type 2, size 3, groups 3..4 dropped with error 12
                Arguments.of(new SubscribeResponse.Drop(3, 4, 12), new int[] {0x02, 0x03, 0x03, 0x04, 0x0c}),
                // group 70000 takes four bytes (0x80011170)
                Arguments.of(new SubscribeResponse.Start(70_000), new int[] {0x00, 0x04, 0x80, 0x01, 0x11, 0x70}));
    }

    @ParameterizedTest
    @MethodSource("responses")
    void subscribeResponsesCarryTheirTypeBeforeTheSize(SubscribeResponse response, int[] expected) {
        ByteBuf out = alloc.buffer();
        try {
            LiteCodec.encode(response, out);
            assertThat(readable(out)).isEqualTo(of(expected));
            assertThat(LiteCodec.encodedLength(response)).isEqualTo(expected.length);
            assertThat(LiteCodec.readResponse(out)).isEqualTo(response);
            assertThat(out.isReadable()).isFalse();
        } finally {
            out.release();
        }
    }

    @Test
    void framesCarryZigzagTimestampDeltasThenSizeThenPayload() {
        ByteBuf out = alloc.buffer();
        try {
            // First frame at 1 000 000 µs, relative to 0: zigzag = 2 000 000 = 0x1e8480 (four bytes), size 3.
            Frame.writeHeader(out, 0, 1_000_000, 3);
            out.writeBytes(of(0xaa, 0xbb, 0xcc));
            // Second frame one microsecond earlier: delta -1, zigzag 1; size 0.
            Frame.writeHeader(out, 1_000_000, 999_999, 0);
            // Third: +40 000 µs (zigzag 80 000 = 0x80013880), size 1.
            Frame.writeHeader(out, 999_999, 1_039_999, 1);
            out.writeByte(0x7f);
            assertThat(readable(out)).isEqualTo(of(0x80, 0x1e, 0x84, 0x80, 0x03, 0xaa, 0xbb, 0xcc,
                    0x01, 0x00,
                    0x80, 0x01, 0x38, 0x80, 0x01, 0x7f));
            assertThat(Frame.headerLength(0, 1_000_000, 3)).isEqualTo(5);

            Frame first = Frame.read(out, 0, 1024);
            assertThat(first.timestamp()).isEqualTo(1_000_000);
            assertThat(readable(first.payload())).isEqualTo(of(0xaa, 0xbb, 0xcc));
            Frame second = Frame.read(out, first.timestamp(), 1024);
            assertThat(second.timestamp()).isEqualTo(999_999);
            assertThat(second.payload().readableBytes()).isZero();
            Frame third = Frame.read(out, second.timestamp(), 1024);
            assertThat(third.timestamp()).isEqualTo(1_039_999);
            assertThat(readable(third.payload())).isEqualTo(of(0x7f));
            assertThat(out.isReadable()).isFalse();
        } finally {
            out.release();
        }
    }

    @Test
    void zigzagMatchesTheReferenceMapping() {
        // 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3, 2 -> 4 (protobuf's zigzag, as @moq/net's unzigzag inverts it)
        long[][] pairs = {{0, 0}, {-1, 1}, {1, 2}, {-2, 3}, {2, 4}, {Long.MIN_VALUE, -1}};
        for (long[] p : pairs) {
            assertThat(MoqLite.zigzag(p[0])).as("zigzag(%d)", p[0]).isEqualTo(p[1]);
            assertThat(MoqLite.unzigzag(p[1])).as("unzigzag(%d)", p[1]).isEqualTo(p[0]);
        }
    }

    @Test
    void streamTypeIsAVarintBeforeTheFirstMessage() {
        ByteBuf in = alloc.buffer().writeBytes(of(0x02));
        try {
            assertThat(LiteCodec.readStreamType(in)).isEqualTo(MoqLite.STREAM_SUBSCRIBE);
            assertThat(LiteCodec.readStreamType(in)).isEqualTo(-1);
        } finally {
            in.release();
        }
    }
}
