package dev.treecast.media.fuzz;

import dev.treecast.testing.FuzzAllocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.media.Box;
import dev.treecast.media.BoxReader;
import dev.treecast.media.CmafException;
import io.netty.buffer.ByteBufUtil;

/**
 * The top-level box reader of an encoder's chunked HTTP upload against any bytes split anywhere. For every input:
 * {@link BoxReader#feed} hands out whole boxes or throws a {@link CmafException} (and only that from then on), and
 * so does {@link BoxReader#finish}; each box is exactly the stream's bytes at its offset, the boxes tile the stream
 * from 0, no box is above the size limit, and the same bytes fed in one chunk give the same boxes and the same
 * verdict (when one chunk fails, the boxes it completed are released, so they are a prefix of the split run's);
 * nothing is left unreleased.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BoxReaderFuzzTest {
    /** Small, so that a fuzzed size is refused or allocated cheaply; the limit logic is the same at any size. */
    private static final int MAX_BOX_SIZE = 1 << 16;

    private record Read(String type, int headerLength, long offset, byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Read r && type.equals(r.type) && headerLength == r.headerLength && offset == r.offset
                    && Arrays.equals(bytes, r.bytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(offset);
        }
    }

    private record Outcome(List<Read> boxes, boolean failed) {
    }

    @FuzzTest
    void feed(byte[] input) {
        Chunks chunks = Chunks.of(input);
        FuzzAllocator alloc = new FuzzAllocator();
        Outcome whole = read(alloc, chunks.stream(), List.of(chunks.stream()));
        Outcome split = read(alloc, chunks.stream(), chunks.parts());
        assertThat(split.failed()).isEqualTo(whole.failed());
        if (whole.failed()) {
            assertThat(split.boxes().size()).isGreaterThanOrEqualTo(whole.boxes().size());
            assertThat(split.boxes().subList(0, whole.boxes().size())).isEqualTo(whole.boxes());
        } else {
            assertThat(split.boxes()).isEqualTo(whole.boxes());
        }
        alloc.assertAllReleased();
    }

    private static Outcome read(FuzzAllocator alloc, byte[] stream, List<byte[]> parts) {
        List<Read> boxes = new ArrayList<>();
        long expectedOffset = 0;
        try (BoxReader reader = new BoxReader(alloc, MAX_BOX_SIZE)) {
            try {
                for (byte[] part : parts) {
                    for (Box box : reader.feed(alloc.wrap(part))) {
                        try (box) {
                            assertThat(box.streamOffset()).isEqualTo(expectedOffset);
                            assertThat(box.size()).isBetween(box.headerLength(), MAX_BOX_SIZE);
                            byte[] bytes = ByteBufUtil.getBytes(box.content());
                            int from = (int) box.streamOffset();
                            assertThat(bytes).isEqualTo(Arrays.copyOfRange(stream, from, from + bytes.length));
                            boxes.add(new Read(box.type(), box.headerLength(), box.streamOffset(), bytes));
                            expectedOffset += box.size();
                        }
                    }
                }
                assertThat(reader.streamOffset()).isEqualTo(stream.length);
                reader.finish();
                assertThat(expectedOffset).as("the boxes tile the whole stream").isEqualTo(stream.length);
                return new Outcome(boxes, false);
            } catch (CmafException e) {
                assertThat(e.getMessage()).isNotEmpty();
                assertThatThrownBy(() -> reader.feed(alloc.wrap(new byte[1]))).as("a failed reader stays failed")
                        .isInstanceOf(CmafException.class);
                return new Outcome(boxes, true);
            }
        }
    }
}
