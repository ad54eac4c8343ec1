package dev.treecast.media;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Incremental reader of top-level ISOBMFF boxes (ISO/IEC 14496-12 §4.2) from a byte stream that arrives in chunks
 * split anywhere, such as an HTTP chunked upload of a live fragmented MP4.
 *
 * <p>A box that lies wholly inside one chunk is handed out as a retained slice of that chunk (no copy). A box that
 * spans chunks is assembled in one buffer allocated at its exact size as soon as its header has been read, so each
 * of its bytes is copied once. The header is checked before anything is allocated: size 0 ("to end of file") is
 * rejected because a live stream has no end, sizes smaller than the header are rejected, and sizes above the
 * configured maximum are rejected.
 *
 * <p>After a {@link CmafException} the reader is failed: later calls to {@link #feed} throw again. Not thread-safe.
 */
public final class BoxReader implements AutoCloseable {
    /** Default hard limit on the size of one box: 32 MiB. */
    public static final int DEFAULT_MAX_BOX_SIZE = 32 * 1024 * 1024;

    private final ByteBufAllocator alloc;
    private final int maxBoxSize;

    private final byte[] header = new byte[16];
    private int headerFill;

    private ByteBuf body;
    private int bodyType;
    private int bodyHeaderLength;
    private long bodyOffset;

    private long consumed;
    private String failure;
    private boolean closed;

    /** A reader with the {@link #DEFAULT_MAX_BOX_SIZE default} box size limit. */
    public BoxReader(ByteBufAllocator alloc) {
        this(alloc, DEFAULT_MAX_BOX_SIZE);
    }

    /**
     * A reader that rejects any box larger than {@code maxBoxSize} bytes (header included) as soon as its header is
     * read. Buffers for boxes that span chunks are allocated from {@code alloc}.
     */
    public BoxReader(ByteBufAllocator alloc, int maxBoxSize) {
        if (alloc == null) {
            throw new IllegalArgumentException("alloc is null");
        }
        if (maxBoxSize < 16) {
            throw new IllegalArgumentException("maxBoxSize must be at least 16, got " + maxBoxSize);
        }
        this.alloc = alloc;
        this.maxBoxSize = maxBoxSize;
    }

    /**
     * Consumes {@code chunk} and returns the boxes it completed, in stream order (possibly none).
     *
     * <p>Ownership: this call takes ownership of {@code chunk} and always releases it, also when it throws. The
     * caller owns the returned boxes and must {@link Box#close() close} each one. If the chunk holds malformed
     * data, boxes completed earlier in the same call are released and a {@link CmafException} is thrown.
     */
    public List<Box> feed(ByteBuf chunk) {
        List<Box> out = new ArrayList<>();
        try {
            if (closed) {
                throw new CmafException("box reader is closed");
            }
            if (failure != null) {
                throw new CmafException("box reader failed earlier: " + failure);
            }
            while (chunk.isReadable()) {
                if (body != null) {
                    int n = Math.min(body.writableBytes(), chunk.readableBytes());
                    body.writeBytes(chunk, n);
                    consumed += n;
                    emitIfComplete(out);
                } else if (headerFill == 0 && sliceWholeBox(chunk, out)) {
                    continue;
                } else {
                    readHeaderBytes(chunk, out);
                }
            }
            return out;
        } catch (CmafException e) {
            for (Box b : out) {
                b.close();
            }
            if (failure == null && !closed) {
                failure = e.getMessage();
                discardPartial();
            }
            throw e;
        } finally {
            chunk.release();
        }
    }

    /**
     * Declares the end of the stream: throws a {@link CmafException} if it ended inside a box (a truncated box),
     * and releases that partial box. Does not close the reader.
     */
    public void finish() {
        if (body != null || headerFill > 0) {
            String what = body != null
                    ? "box '" + Fourcc.toString(bodyType) + "' at stream offset " + bodyOffset + " is truncated: "
                            + body.readableBytes() + " of " + body.capacity() + " bytes arrived"
                    : "the stream ended inside a box header (" + headerFill + " bytes) at stream offset "
                            + (consumed - headerFill);
            discardPartial();
            failure = what;
            throw new CmafException(what);
        }
    }

    /** Bytes consumed so far, i.e. the stream offset of the next byte to arrive. */
    public long streamOffset() {
        return consumed;
    }

    /** Bytes held for a box (or box header) that is not complete yet. */
    public int bufferedBytes() {
        return body != null ? body.readableBytes() : headerFill;
    }

    /** Releases any partially assembled box. Idempotent. */
    @Override
    public void close() {
        closed = true;
        discardPartial();
    }

    private void discardPartial() {
        if (body != null) {
            body.release();
            body = null;
        }
        headerFill = 0;
    }

    // Fast path: the box header and the whole box are in this chunk. Returns false if not.
    private boolean sliceWholeBox(ByteBuf chunk, List<Box> out) {
        int avail = chunk.readableBytes();
        if (avail < 8) {
            return false;
        }
        int ri = chunk.readerIndex();
        long size32 = chunk.getUnsignedInt(ri);
        if (size32 == 1 && avail < 16) {
            return false;
        }
        long largesize = size32 == 1 ? chunk.getLong(ri + 8) : 0;
        int type = chunk.getInt(ri + 4);
        int headerLength = checkHeader(size32, type, largesize, consumed);
        long size = size32 == 1 ? largesize : size32;
        if (size > avail) {
            return false;
        }
        out.add(new Box(type, headerLength, consumed, chunk.retainedSlice(ri, (int) size)));
        chunk.skipBytes((int) size);
        consumed += size;
        return true;
    }

    // Slow path: gathers a header split across chunks, then starts assembling the body.
    private void readHeaderBytes(ByteBuf chunk, List<Box> out) {
        int need = headerFill < 8 ? 8 : 16;
        int n = Math.min(need - headerFill, chunk.readableBytes());
        chunk.readBytes(header, headerFill, n);
        headerFill += n;
        consumed += n;
        if (headerFill < 8) {
            return;
        }
        long size32 = intAt(0) & 0xFFFF_FFFFL;
        if (size32 == 1 && headerFill < 16) {
            return;
        }
        int type = intAt(4);
        long largesize = size32 == 1 ? (intAt(8) & 0xFFFF_FFFFL) << 32 | (intAt(12) & 0xFFFF_FFFFL) : 0;
        long offset = consumed - headerFill;
        int headerLength = checkHeader(size32, type, largesize, offset);
        int size = (int) (size32 == 1 ? largesize : size32);
        body = alloc.buffer(size, size);
        bodyType = type;
        bodyHeaderLength = headerLength;
        bodyOffset = offset;
        body.writeBytes(header, 0, headerFill);
        headerFill = 0;
        emitIfComplete(out);
    }

    private int intAt(int i) {
        return (header[i] & 0xFF) << 24 | (header[i + 1] & 0xFF) << 16 | (header[i + 2] & 0xFF) << 8
                | (header[i + 3] & 0xFF);
    }

    private void emitIfComplete(List<Box> out) {
        if (!body.isWritable()) {
            out.add(new Box(bodyType, bodyHeaderLength, bodyOffset, body));
            body = null;
        }
    }

    // Validates a top-level box header (ISO/IEC 14496-12 §4.2) and returns its length.
    private int checkHeader(long size32, int type, long largesize, long offset) {
        String name = "box '" + Fourcc.toString(type) + "' at stream offset " + offset;
        if (!Fourcc.isPrintable(type)) {
            throw new CmafException(name + ": type is not four printable characters (garbage or misaligned data)");
        }
        if (size32 == 0) {
            throw new CmafException(name + " has size 0 (\"extends to end of file\"), which a live stream cannot"
                    + " use: the encoder must write real box sizes");
        }
        int headerLength = size32 == 1 ? 16 : 8;
        if (type == Fourcc.UUID) {
            headerLength += 16;
        }
        long size = size32 == 1 ? largesize : size32;
        if (size < 0 || size > maxBoxSize) {
            throw new CmafException(name + " declares size " + Long.toUnsignedString(size)
                    + ", above the limit of " + maxBoxSize + " bytes");
        }
        if (size < headerLength) {
            throw new CmafException(name + " declares size " + size + ", smaller than its " + headerLength
                    + "-byte header");
        }
        return headerLength;
    }
}
