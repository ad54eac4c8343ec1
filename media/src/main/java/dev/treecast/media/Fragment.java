package dev.treecast.media;

import io.netty.buffer.ByteBuf;

/**
 * A single-track CMAF fragment: a {@code moof} with one {@code traf} immediately followed by an {@code mdat} that
 * holds only that track's samples, plus its {@link FragmentInfo}.
 *
 * <p>Ownership: the fragment owns one reference to {@link #content()}; whoever receives a fragment must
 * {@link #close()} it exactly once (unless documented otherwise, e.g. fragments owned by a {@link Clip}). To keep
 * the bytes beyond that, take {@code content().retainedDuplicate()}.
 */
public final class Fragment implements AutoCloseable {
    private final FragmentInfo info;
    private final ByteBuf content;

    Fragment(FragmentInfo info, ByteBuf content) {
        this.info = info;
        this.content = content;
    }

    /** Timing and shape of this fragment. */
    public FragmentInfo info() {
        return info;
    }

    /** Shortcut for {@code info().trackId()}. */
    public int trackId() {
        return info.trackId();
    }

    /** The fragment's bytes ({@code moof} + {@code mdat}) as the readable bytes of a buffer owned by this object. */
    public ByteBuf content() {
        return content;
    }

    /** Releases the fragment's buffer. */
    @Override
    public void close() {
        content.release();
    }

    @Override
    public String toString() {
        return "Fragment[" + info + ", " + content.readableBytes() + " bytes]";
    }
}
