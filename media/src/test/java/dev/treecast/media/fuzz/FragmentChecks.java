package dev.treecast.media.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import dev.treecast.media.Fragment;
import dev.treecast.media.FragmentInfo;
import dev.treecast.media.FragmentRewriter;
import dev.treecast.media.FragmentSplitter;
import dev.treecast.media.InitSegment;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** What must hold for the single-track fragments split out of one {@code moof} + {@code mdat}, whatever the input. */
final class FragmentChecks {
    private FragmentChecks() {
    }

    /**
     * Each fragment is one {@code moof} and one {@code mdat} that describe themselves (re-parsed) exactly as its
     * {@link FragmentInfo} says, survive a decode-time rewrite, and all of them together carry no more sample bytes
     * than the source {@code mdat} did (no amplification of the upload).
     */
    static void check(InitSegment init, List<Fragment> fragments, long sourceMdatPayload, ByteBufAllocator alloc) {
        FragmentSplitter splitter = new FragmentSplitter(init);
        long samples = 0;
        for (Fragment f : fragments) {
            FragmentInfo info = f.info();
            assertThat(info.sampleCount()).isPositive();
            assertThat(init.hasTrack(info.trackId())).isTrue();
            ByteBuf content = f.content();
            assertThat(splitter.inspect(content)).containsExactly(info);
            long moofSize = content.getUnsignedInt(content.readerIndex());
            samples += content.getUnsignedInt(content.readerIndex() + (int) moofSize) - 8;

            long decodeTime = info.baseMediaDecodeTime() / 2;
            long sequence = (info.sequenceNumber() + 1) & 0xFFFF_FFFFL;
            ByteBuf rewritten = FragmentRewriter.rewrite(content, decodeTime, sequence, alloc);
            try {
                assertThat(splitter.inspect(rewritten)).containsExactly(new FragmentInfo(info.trackId(), sequence,
                        decodeTime, info.duration(), info.sampleCount(), info.startsWithSync()));
            } finally {
                rewritten.release();
            }
        }
        assertThat(samples).as("sample bytes out of a moof + mdat, against the mdat payload in")
                .isLessThanOrEqualTo(sourceMdatPayload);
    }
}
