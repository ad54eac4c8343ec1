package dev.treecast.media.fuzz;

import dev.treecast.testing.FuzzAllocator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.media.CmafException;
import dev.treecast.media.Fragment;
import dev.treecast.media.FragmentInfo;
import dev.treecast.media.FragmentSplitter;
import dev.treecast.media.InitSegment;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The per-track splitting of one {@code moof} + {@code mdat} (what an encoder uploads after its init segment)
 * against any bytes, with the demo clip's real H.264 + AAC init segment: {@link FragmentSplitter#split} and
 * {@link FragmentSplitter#inspect} give fragments or throw a {@link CmafException}, never another exception or an
 * allocation out of proportion to the input; the fragments pass {@link FragmentChecks}; nothing leaks.
 *
 * <p>Input: the {@code moof} is the first box (its 32-bit size says where it ends), the rest is the {@code mdat}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FragmentSplitterFuzzTest {
    /** The stream offset of the demo clip's first moof (right after ftyp + moov), for tfhd base_data_offset. */
    private static final InitSegment INIT;
    private static final long MOOF_OFFSET;

    static {
        try {
            byte[] clip = Files.readAllBytes(Path.of("..", "ingest", "src", "main", "resources", "clips", "demo.mp4"));
            ByteBuf buf = Unpooled.wrappedBuffer(clip);
            int ftyp = buf.getInt(0);
            int moov = buf.getInt(ftyp);
            INIT = InitSegment.parse(buf.slice(0, ftyp + moov));
            MOOF_OFFSET = ftyp + moov;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    void split(byte[] input) {
        if (input.length < 4) {
            return;
        }
        long size = Unpooled.wrappedBuffer(input).getUnsignedInt(0);
        int cut = (int) Math.min(size, input.length);
        FuzzAllocator alloc = new FuzzAllocator();
        ByteBuf moof = alloc.wrap(Arrays.copyOfRange(input, 0, cut));
        ByteBuf mdat = alloc.wrap(Arrays.copyOfRange(input, cut, input.length));
        try {
            FragmentSplitter splitter = new FragmentSplitter(INIT);
            List<FragmentInfo> infos;
            try {
                infos = splitter.inspect(moof, mdat);
            } catch (CmafException e) {
                assertThat(e.getMessage()).isNotEmpty();
                infos = null;
            }
            List<Fragment> fragments;
            try {
                fragments = splitter.split(moof, MOOF_OFFSET, mdat, alloc);
            } catch (CmafException e) {
                assertThat(e.getMessage()).isNotEmpty();
                return;
            }
            try {
                if (infos != null) {
                    assertThat(fragments).extracting(Fragment::info)
                            .containsExactlyElementsOf(infos.stream().filter(i -> i.sampleCount() > 0).toList());
                }
                FragmentChecks.check(INIT, fragments, mdat.readableBytes() - 8L, alloc);
            } finally {
                fragments.forEach(Fragment::close);
            }
        } finally {
            moof.release();
            mdat.release();
        }
        alloc.assertAllReleased();
    }
}
