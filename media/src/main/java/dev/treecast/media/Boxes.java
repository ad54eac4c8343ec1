package dev.treecast.media;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;

// Bounds-checked walking of nested boxes inside a buffer that already holds them completely.
final class Boxes {
    private Boxes() {
    }

    // One box located in a buffer: absolute index of its first byte, header length (8, 16 for a largesize, plus 16
    // for a uuid user type) and total size.
    record BoxRef(int type, int start, int headerLength, int size) {
        int payloadStart() {
            return start + headerLength;
        }

        int end() {
            return start + size;
        }

        int payloadLength() {
            return size - headerLength;
        }

        String typeName() {
            return Fourcc.toString(type);
        }
    }

    // Reads the box header at start; the box must end at or before end. Header layout per
    // ISO/IEC 14496-12 §4.2: 32-bit size, type, then a 64-bit largesize when size == 1, then a 16-byte user type
    // when type is uuid. Size 0 ("extends to end of file") is only meaningful for the last top-level box of
    // a file and is rejected here.
    static BoxRef header(ByteBuf buf, int start, int end, String where) {
        int available = end - start;
        if (available < 8) {
            throw new CmafException(where + ": " + available + " trailing bytes are too short for a box header");
        }
        long size = buf.getUnsignedInt(start);
        int type = buf.getInt(start + 4);
        int headerLength = 8;
        String name = "box '" + Fourcc.toString(type) + "' in " + where;
        if (!Fourcc.isPrintable(type)) {
            throw new CmafException(name + ": type is not four printable characters (garbage or misaligned data)");
        }
        if (size == 1) {
            if (available < 16) {
                throw new CmafException(name + " is truncated: its 64-bit largesize does not fit");
            }
            size = buf.getLong(start + 8);
            headerLength = 16;
        } else if (size == 0) {
            throw new CmafException(name + " has size 0 (extends to end of file), which is not supported here");
        }
        if (type == Fourcc.UUID) {
            headerLength += 16;
        }
        if (size < 0 || size > available) {
            throw new CmafException(name + " declares size " + Long.toUnsignedString(size) + " but only "
                    + available + " bytes remain in its parent");
        }
        if (size < headerLength) {
            throw new CmafException(name + " declares size " + size + ", smaller than its " + headerLength
                    + "-byte header");
        }
        return new BoxRef(type, start, headerLength, (int) size);
    }

    // All boxes laid end to end in [start, end); they must fill it exactly.
    static List<BoxRef> children(ByteBuf buf, int start, int end, String where) {
        List<BoxRef> out = new ArrayList<>();
        int pos = start;
        while (pos < end) {
            BoxRef ref = header(buf, pos, end, where);
            out.add(ref);
            pos = ref.end();
        }
        return out;
    }

    // The children of container box parent.
    static List<BoxRef> children(ByteBuf buf, BoxRef parent) {
        return children(buf, parent.payloadStart(), parent.end(), "'" + parent.typeName() + "'");
    }

    static BoxRef find(List<BoxRef> boxes, int type) {
        for (BoxRef b : boxes) {
            if (b.type() == type) {
                return b;
            }
        }
        return null;
    }

    static BoxRef require(List<BoxRef> boxes, int type, String parent) {
        BoxRef b = find(boxes, type);
        if (b == null) {
            throw new CmafException(parent + " has no '" + Fourcc.toString(type) + "' box");
        }
        return b;
    }

    static List<BoxRef> findAll(List<BoxRef> boxes, int type) {
        List<BoxRef> out = new ArrayList<>();
        for (BoxRef b : boxes) {
            if (b.type() == type) {
                out.add(b);
            }
        }
        return out;
    }

    // Writes a box header with a placeholder size and returns its index, to be closed by endBox().
    static int beginBox(ByteBuf out, int type) {
        int start = out.writerIndex();
        out.writeInt(0);
        out.writeInt(type);
        return start;
    }

    // Patches the 32-bit size of the box begun at start now that its content is written.
    static void endBox(ByteBuf out, int start) {
        out.setInt(start, out.writerIndex() - start);
    }

    // Copies a whole box (header included) verbatim.
    static void copy(ByteBuf out, ByteBuf src, BoxRef ref) {
        out.writeBytes(src, ref.start(), ref.size());
    }
}
