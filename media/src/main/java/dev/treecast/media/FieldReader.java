package dev.treecast.media;

import io.netty.buffer.ByteBuf;

// Reads big-endian fields from one box's payload, never past the box's end: running out of bytes is a
// CmafException that names the box, not an IndexOutOfBoundsException. Does not move the
// buffer's reader index.
final class FieldReader {
    private final ByteBuf buf;
    private final int end;
    private final String box;
    private int pos;

    FieldReader(ByteBuf buf, int start, int end, String box) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
        this.box = box;
    }

    // A reader over the payload of ref (after its header).
    static FieldReader payload(ByteBuf buf, Boxes.BoxRef ref) {
        return new FieldReader(buf, ref.payloadStart(), ref.end(), "'" + ref.typeName() + "'");
    }

    int position() {
        return pos;
    }

    int remaining() {
        return end - pos;
    }

    private void need(int n, String field) {
        if (end - pos < n) {
            throw new CmafException("box " + box + " is truncated: " + field + " needs " + n
                    + (n == 1 ? " byte" : " bytes") + " but only " + (end - pos) + " remain");
        }
    }

    int u8(String field) {
        need(1, field);
        return buf.getUnsignedByte(pos++);
    }

    int u16(String field) {
        need(2, field);
        int v = buf.getUnsignedShort(pos);
        pos += 2;
        return v;
    }

    int i32(String field) {
        need(4, field);
        int v = buf.getInt(pos);
        pos += 4;
        return v;
    }

    long u32(String field) {
        return i32(field) & 0xFFFF_FFFFL;
    }

    // An unsigned 64-bit field; values that do not fit a signed long are rejected rather than wrapped.
    long u64(String field) {
        need(8, field);
        long v = buf.getLong(pos);
        pos += 8;
        if (v < 0) {
            throw new CmafException("box " + box + ": " + field + " " + Long.toUnsignedString(v)
                    + " is above 2^63-1 and is not supported");
        }
        return v;
    }

    // Reads version (8 bits) and flags (24 bits) of a FullBox (ISO/IEC 14496-12 §4.2).
    int versionAndFlags() {
        return i32("version and flags");
    }

    void skip(int n, String field) {
        need(n, field);
        pos += n;
    }
}
