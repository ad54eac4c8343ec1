package dev.treecast.protocol.moqlite;

import static dev.treecast.protocol.Wire.assertProtocolError;
import static dev.treecast.protocol.Wire.of;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.TrackingAllocator;
import io.netty.buffer.ByteBuf;

/** What a broken or hostile peer's bytes get: a {@link ProtocolException} with a code, never anything else. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class LiteMalformedTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    private <T extends LiteMessage> ProtocolException body(ErrorCode code, Function<ByteBuf, T> decoder,
                                                             int... bytes) {
        ByteBuf in = alloc.buffer().writeBytes(of(bytes));
        try {
            return assertProtocolError(code, () -> LiteCodec.decode(in, decoder));
        } finally {
            in.release();
        }
    }

    @Test
    void anOversizeMessageIsRefusedFromItsSizeAlone() {
        // size 4097 (0x5001): over MAX_MESSAGE, refused before a byte of body arrives
        ByteBuf in = alloc.buffer().writeBytes(of(0x50, 0x01));
        try {
            ProtocolException e = assertProtocolError(ErrorCode.MESSAGE_TOO_LARGE,
                    () -> LiteCodec.readBody(in, MoqLite.MAX_MESSAGE));
            assertThat(e.getMessage()).contains("4097");
        } finally {
            in.release();
        }
    }

    @Test
    void anIncompleteMessageWaitsWithoutConsumingAnything() {
        ByteBuf in = alloc.buffer().writeBytes(of(0x03, 0x01, 0x00));
        try {
            assertThat(LiteCodec.readBody(in, MoqLite.MAX_MESSAGE)).isNull();
            assertThat(in.readerIndex()).isZero();
            in.writeByte(0x00);
            assertThat(LiteCodec.readBody(in, MoqLite.MAX_MESSAGE).readableBytes()).isEqualTo(3);
            // a type varint whose sized body is incomplete: nothing consumed
            in.clear().writeBytes(of(0x00, 0x02, 0x0c));
            assertThat(LiteCodec.readResponse(in)).isNull();
            assertThat(in.readerIndex()).isZero();
            // a frame whose payload has not arrived
            in.clear().writeBytes(of(0x00, 0x05, 0x01));
            assertThat(Frame.read(in, 0, 100)).isNull();
            assertThat(in.readerIndex()).isZero();
        } finally {
            in.release();
        }
    }

    @Test
    void bytesLeftOverAfterAMessageAreMalformed() {
        body(ErrorCode.MALFORMED_MESSAGE, AnnounceOk::decode, 0x05, 0x01, 0x00);
    }

    @Test
    void truncatedFieldsAreMalformed() {
        // SUBSCRIBE cut inside the track name
        body(ErrorCode.MALFORMED_MESSAGE, Subscribe::decode, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x05, 0x76);
        // TRACK_INFO without its timescale
        body(ErrorCode.MALFORMED_MESSAGE, TrackInfo::decode, 0x00, 0x00, 0x00);
        // GROUP without a sequence
        body(ErrorCode.MALFORMED_MESSAGE, GroupHeader::decode, 0x00);
    }

    @Test
    void fieldValuesOutsideTheirDomainAreMalformed() {
        // a boolean of 2
        body(ErrorCode.MALFORMED_MESSAGE, TrackInfo::decode, 0x00, 0x02, 0x00, 0x01);
        // timescale 0
        body(ErrorCode.MALFORMED_MESSAGE, TrackInfo::decode, 0x00, 0x00, 0x00, 0x00);
        // ANNOUNCE_OK from origin 0
        body(ErrorCode.MALFORMED_MESSAGE, AnnounceOk::decode, 0x00, 0x01);
        // ANNOUNCE status 3
        body(ErrorCode.MALFORMED_MESSAGE, Announce::decode, 0x03, 0x00, 0x00);
        // 33 hops
        body(ErrorCode.MALFORMED_MESSAGE, Announce::decode, 0x01, 0x00, 0x21);
        // SETUP: a duplicate parameter, then 65 parameters
        body(ErrorCode.MALFORMED_MESSAGE, Setup::decode, 0x02, 0x01, 0x01, 0x00, 0x01, 0x01, 0x01);
        body(ErrorCode.MALFORMED_MESSAGE, Setup::decode, 0x40, 0x41);
        // SETUP: a varint parameter with trailing bytes
        body(ErrorCode.MALFORMED_MESSAGE, Setup::decode, 0x01, 0x01, 0x02, 0x01, 0x01);
        // a broadcast name that is not UTF-8
        body(ErrorCode.MALFORMED_MESSAGE, TrackRequest::decode, 0x02, 0xc3, 0x28, 0x00);
        // an unknown subscribe response type
        ByteBuf in = alloc.buffer().writeBytes(of(0x07, 0x01, 0x00));
        try {
            assertProtocolError(ErrorCode.UNKNOWN_MESSAGE_TYPE, () -> LiteCodec.readResponse(in));
        } finally {
            in.release();
        }
    }

    @Test
    void aPathOfMoreThan32PartsIsMalformed() {
        String path = String.join("/", java.util.Collections.nCopies(33, "a"));
        ByteBuf in = alloc.buffer();
        try {
            LiteCodec.encode(new TrackRequest(path, "t"), in);
            ByteBuf body = LiteCodec.readBody(in, MoqLite.MAX_MESSAGE);
            assertProtocolError(ErrorCode.MALFORMED_MESSAGE, () -> LiteCodec.decode(body, TrackRequest::decode));
        } finally {
            in.release();
        }
    }

    @Test
    void unknownSetupParametersAreSkippedAndPathsNormalized() {
        ByteBuf in = alloc.buffer().writeBytes(of(0x01, 0x09, 0x02, 0xff, 0xff));
        try {
            assertThat(LiteCodec.decode(in, Setup::decode)).isEqualTo(Setup.EMPTY);
        } finally {
            in.release();
        }
        ByteBuf path = alloc.buffer().writeBytes(of(0x07, 0x2f, 0x61, 0x2f, 0x2f, 0x62, 0x2f, 0x2f, 0x00));
        try {
            assertThat(LiteCodec.decode(path, TrackRequest::decode)).isEqualTo(new TrackRequest("a/b", ""));
        } finally {
            path.release();
        }
    }

    @Test
    void anOversizeFrameIsRefusedFromItsHeader() {
        ByteBuf in = alloc.buffer().writeBytes(of(0x00, 0x80, 0x10, 0x00, 0x01));
        try {
            assertProtocolError(ErrorCode.MESSAGE_TOO_LARGE, () -> Frame.read(in, 0, 1 << 20));
        } finally {
            in.release();
        }
    }

    @Test
    void randomBytesNeverEscapeAsAnythingButAProtocolException() {
        List<Function<ByteBuf, ? extends LiteMessage>> decoders = List.of(Setup::decode, AnnounceRequest::decode,
                AnnounceOk::decode, Announce::decode, TrackRequest::decode, TrackInfo::decode, Subscribe::decode,
                SubscribeUpdate::decode, GroupHeader::decode, Fetch::decode, Probe::decode, Goaway::decode);
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(24)];
            random.nextBytes(bytes);
            Function<ByteBuf, ? extends LiteMessage> decoder = decoders.get(i % decoders.size());
            ByteBuf in = alloc.buffer().writeBytes(bytes);
            try {
                Throwable thrown = catchThrowable(() -> {
                    LiteCodec.readStreamType(in.duplicate());
                    LiteCodec.readResponse(in.duplicate());
                    Frame.read(in.duplicate(), 0, 1 << 20);
                    ByteBuf body = LiteCodec.readBody(in, MoqLite.MAX_MESSAGE);
                    if (body != null) {
                        LiteCodec.decode(body, decoder);
                    }
                });
                if (thrown != null) {
                    assertThat(thrown).as("bytes %s", java.util.HexFormat.of().formatHex(bytes))
                            .isInstanceOf(ProtocolException.class);
                }
            } finally {
                in.release();
            }
        }
    }
}
