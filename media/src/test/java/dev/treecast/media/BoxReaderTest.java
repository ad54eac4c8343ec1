package dev.treecast.media;

import static dev.treecast.media.Mp4.ascii;
import static dev.treecast.media.Mp4.box;
import static dev.treecast.media.Mp4.cat;
import static dev.treecast.media.Mp4.pattern;
import static dev.treecast.media.Mp4.u32;
import static dev.treecast.media.Mp4.u64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BoxReaderTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    private static final byte[] FTYP = Mp4.ftyp();
    private static final byte[] FREE_EMPTY = box("free");
    private static final byte[] MDAT = Mp4.mdat(pattern(1000, 1));
    /** An mdat written with size == 1 and a 64-bit largesize (ISO/IEC 14496-12 §4.2). */
    private static final byte[] LARGE = cat(u32(1), ascii("mdat"), u64(16 + 300), pattern(300, 2));
    private static final byte[] UUID = cat(u32(8 + 16 + 5), ascii("uuid"), pattern(16, 3), pattern(5, 4));
    private static final byte[] STREAM = cat(FTYP, FREE_EMPTY, MDAT, LARGE, UUID);

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    /** Feeds {@code stream} cut at {@code cuts} and returns type:size:hex of each box, closing them. */
    private List<String> read(BoxReader reader, byte[] stream, int... cuts) {
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : stream.length;
            ByteBuf chunk = alloc.buffer(to - from).writeBytes(stream, from, to - from);
            for (Box b : reader.feed(chunk)) {
                try (b) {
                    out.add(b.type() + ":" + b.streamOffset() + ":" + b.headerLength() + ":"
                            + ByteBufUtil.hexDump(b.content()));
                }
            }
            assertThat(chunk.refCnt()).as("chunk released by feed").isZero();
            from = to;
        }
        reader.finish();
        return out;
    }

    private static List<String> expected() {
        List<String> out = new ArrayList<>();
        long offset = 0;
        for (byte[] b : List.of(FTYP, FREE_EMPTY, MDAT, LARGE, UUID)) {
            String type = new String(b, 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            int header = b == LARGE ? 16 : b == UUID ? 24 : 8;
            out.add(type + ":" + offset + ":" + header + ":" + ByteBufUtil.hexDump(b));
            offset += b.length;
        }
        return out;
    }

    @Test
    void yieldsEveryBoxWithExactBytesWhenFedInOneChunk() {
        try (BoxReader reader = new BoxReader(alloc)) {
            assertThat(read(reader, STREAM)).containsExactlyElementsOf(expected());
            assertThat(reader.streamOffset()).isEqualTo(STREAM.length);
        }
    }

    @Test
    void yieldsTheSameBoxesWhateverSinglePointTheStreamIsCutAt() {
        for (int cut = 0; cut <= STREAM.length; cut++) {
            try (BoxReader reader = new BoxReader(alloc)) {
                assertThat(read(reader, STREAM, cut)).as("cut at %d", cut).containsExactlyElementsOf(expected());
            }
        }
    }

    @Test
    void yieldsTheSameBoxesWhenFedOneByteAtATime() {
        int[] cuts = new int[STREAM.length - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        try (BoxReader reader = new BoxReader(alloc)) {
            assertThat(read(reader, STREAM, cuts)).containsExactlyElementsOf(expected());
        }
    }

    @Test
    void yieldsTheSameBoxesForRandomChunkSizes() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            List<Integer> cuts = new ArrayList<>();
            int pos = 0;
            while (true) {
                pos += 1 + random.nextInt(64);
                if (pos >= STREAM.length) {
                    break;
                }
                cuts.add(pos);
            }
            try (BoxReader reader = new BoxReader(alloc)) {
                assertThat(read(reader, STREAM, cuts.stream().mapToInt(Integer::intValue).toArray()))
                        .containsExactlyElementsOf(expected());
            }
        }
    }

    @Test
    void handsOutWholeBoxesInAChunkWithoutAllocating() {
        try (BoxReader reader = new BoxReader(alloc)) {
            int before = alloc.allocations() + 1; // the chunk itself
            read(reader, STREAM);
            assertThat(alloc.allocations()).isEqualTo(before);
        }
    }

    @Test
    void assemblesASplitBoxInOneBufferOfExactlyItsSize() {
        TrackingAllocator readerAlloc = new TrackingAllocator();
        try (BoxReader reader = new BoxReader(readerAlloc)) {
            int mdatAt = FTYP.length + FREE_EMPTY.length;
            // Cut inside the mdat header and twice inside its payload: one allocation of exactly the box size.
            assertThat(read(reader, STREAM, mdatAt + 3, mdatAt + 500, mdatAt + 700)).hasSize(5);
        }
        assertThat(readerAlloc.capacities()).containsExactly(MDAT.length);
        readerAlloc.assertAllReleased();
    }

    @Test
    void reportsBufferedBytesOfAnIncompleteBox() {
        try (BoxReader reader = new BoxReader(alloc)) {
            assertThat(reader.feed(alloc.wrap(java.util.Arrays.copyOf(MDAT, 5)))).isEmpty();
            assertThat(reader.bufferedBytes()).isEqualTo(5);
            assertThat(reader.feed(alloc.wrap(java.util.Arrays.copyOfRange(MDAT, 5, 100)))).isEmpty();
            assertThat(reader.bufferedBytes()).isEqualTo(100);
        }
    }

    @Test
    void rejectsATruncatedBoxAtFinishAndReleasesIt() {
        try (BoxReader reader = new BoxReader(alloc)) {
            assertThat(reader.feed(alloc.wrap(java.util.Arrays.copyOf(MDAT, 600)))).isEmpty();
            assertThatThrownBy(reader::finish).isInstanceOf(CmafException.class)
                    .hasMessage("box 'mdat' at stream offset 0 is truncated: 600 of 1008 bytes arrived");
            assertThat(reader.bufferedBytes()).isZero();
        }
    }

    @Test
    void rejectsAStreamThatEndsInsideABoxHeader() {
        try (BoxReader reader = new BoxReader(alloc)) {
            reader.feed(alloc.wrap(cat(FTYP, java.util.Arrays.copyOf(MDAT, 6)))).forEach(Box::close);
            assertThatThrownBy(reader::finish).isInstanceOf(CmafException.class)
                    .hasMessageContaining("ended inside a box header (6 bytes) at stream offset " + FTYP.length);
        }
    }

    @Test
    void rejectsSizeZeroBecauseALiveStreamHasNoEnd() {
        try (BoxReader reader = new BoxReader(alloc)) {
            assertThatThrownBy(() -> reader.feed(alloc.wrap(cat(u32(0), ascii("mdat"), pattern(20, 1)))))
                    .isInstanceOf(CmafException.class)
                    .hasMessageContaining("box 'mdat' at stream offset 0 has size 0 (\"extends to end of file\")");
        }
    }

    @Test
    void rejectsSizesSmallerThanTheHeader() {
        try (BoxReader reader = new BoxReader(alloc)) {
            assertThatThrownBy(() -> reader.feed(alloc.wrap(cat(u32(7), ascii("free")))))
                    .isInstanceOf(CmafException.class)
                    .hasMessage("box 'free' at stream offset 0 declares size 7, smaller than its 8-byte header");
        }
        try (BoxReader reader = new BoxReader(alloc)) {
            assertThatThrownBy(() -> reader.feed(alloc.wrap(cat(u32(1), ascii("mdat"), u64(15)))))
                    .isInstanceOf(CmafException.class)
                    .hasMessage("box 'mdat' at stream offset 0 declares size 15, smaller than its 16-byte header");
        }
        try (BoxReader reader = new BoxReader(alloc)) {
            assertThatThrownBy(() -> reader.feed(alloc.wrap(cat(u32(20), ascii("uuid"), pattern(12, 0)))))
                    .isInstanceOf(CmafException.class)
                    .hasMessageContaining("declares size 20, smaller than its 24-byte header");
        }
    }

    @Test
    void rejectsAnOversizeBoxAsSoonAsItsHeaderArrivesWithoutAllocating() {
        try (BoxReader reader = new BoxReader(alloc, 1024)) {
            int before = alloc.allocations() + 1;
            assertThatThrownBy(() -> reader.feed(alloc.wrap(cat(u32(1025), ascii("mdat")))))
                    .isInstanceOf(CmafException.class)
                    .hasMessage("box 'mdat' at stream offset 0 declares size 1025, above the limit of 1024 bytes");
            assertThat(alloc.allocations()).isEqualTo(before);
        }
    }

    @Test
    void enforcesTheDefault32MibLimitOnLargesizeHeadersSplitAcrossChunks() {
        try (BoxReader reader = new BoxReader(alloc)) {
            byte[] header = cat(u32(1), ascii("mdat"), u64(32L * 1024 * 1024 + 1));
            assertThat(reader.feed(alloc.wrap(java.util.Arrays.copyOf(header, 11)))).isEmpty();
            assertThatThrownBy(() -> reader.feed(alloc.wrap(java.util.Arrays.copyOfRange(header, 11, 16))))
                    .isInstanceOf(CmafException.class)
                    .hasMessage("box 'mdat' at stream offset 0 declares size 33554433, above the limit of 33554432"
                            + " bytes");
        }
    }

    @Test
    void rejectsALargesizeAbove2To63() {
        try (BoxReader reader = new BoxReader(alloc)) {
            assertThatThrownBy(() -> reader.feed(alloc.wrap(cat(u32(1), ascii("mdat"), u64(-1L)))))
                    .isInstanceOf(CmafException.class)
                    .hasMessageContaining("declares size 18446744073709551615, above the limit");
        }
    }

    @Test
    void rejectsGarbageBytesAsANonPrintableType() {
        try (BoxReader reader = new BoxReader(alloc)) {
            byte[] garbage = cat(u32(40), Mp4.u8(0x00, 0xFF, 0x13, 0x80), pattern(32, 9));
            assertThatThrownBy(() -> reader.feed(alloc.wrap(garbage))).isInstanceOf(CmafException.class)
                    .hasMessage("box '0x00ff1380' at stream offset 0: type is not four printable characters"
                            + " (garbage or misaligned data)");
        }
    }

    @Test
    void neverThrowsAnythingButCmafExceptionOnRandomGarbage() {
        Random random = new Random(7);
        for (int round = 0; round < 2000; round++) {
            byte[] garbage = new byte[4 + random.nextInt(200)];
            random.nextBytes(garbage);
            if (round % 2 == 0) {
                // Plausible small sizes make the reader walk further into the garbage.
                garbage[0] = 0;
                garbage[1] = 0;
                garbage[2] = 0;
            }
            try (BoxReader reader = new BoxReader(alloc, 4096)) {
                try {
                    reader.feed(alloc.wrap(garbage)).forEach(Box::close);
                    reader.finish();
                } catch (CmafException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        }
    }

    @Test
    void releasesBoxesAlreadyCompletedInAChunkThatLaterFails() {
        try (BoxReader reader = new BoxReader(alloc)) {
            assertThatThrownBy(() -> reader.feed(alloc.wrap(cat(FTYP, MDAT, u32(0), ascii("mdat")))))
                    .isInstanceOf(CmafException.class).hasMessageContaining("size 0");
        }
    }

    @Test
    void staysFailedAfterAnErrorAndReleasesLaterChunks() {
        try (BoxReader reader = new BoxReader(alloc)) {
            assertThatThrownBy(() -> reader.feed(alloc.wrap(cat(u32(3), ascii("free")))))
                    .isInstanceOf(CmafException.class);
            ByteBuf later = alloc.wrap(FTYP);
            assertThatThrownBy(() -> reader.feed(later)).isInstanceOf(CmafException.class)
                    .hasMessageStartingWith("box reader failed earlier: box 'free'");
            assertThat(later.refCnt()).isZero();
        }
    }

    @Test
    void closeReleasesAPartialBox() {
        BoxReader reader = new BoxReader(alloc);
        reader.feed(alloc.wrap(java.util.Arrays.copyOf(MDAT, 500)));
        reader.close();
        reader.close();
        ByteBuf later = alloc.wrap(FTYP);
        assertThatThrownBy(() -> reader.feed(later)).isInstanceOf(CmafException.class)
                .hasMessage("box reader is closed");
        assertThat(later.refCnt()).isZero();
    }
}
