package dev.treecast.media;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds ISOBMFF boxes byte by byte for tests that need exact or deliberately broken input. */
final class Mp4 {
    private Mp4() {
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] u8(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static byte[] u16(int... values) {
        byte[] b = new byte[values.length * 2];
        for (int i = 0; i < values.length; i++) {
            b[2 * i] = (byte) (values[i] >>> 8);
            b[2 * i + 1] = (byte) values[i];
        }
        return b;
    }

    static byte[] u32(long... values) {
        byte[] b = new byte[values.length * 4];
        for (int i = 0; i < values.length; i++) {
            for (int j = 0; j < 4; j++) {
                b[4 * i + j] = (byte) (values[i] >>> (24 - 8 * j));
            }
        }
        return b;
    }

    static byte[] u64(long value) {
        return cat(u32(value >>> 32), u32(value & 0xFFFF_FFFFL));
    }

    static byte[] zeros(int n) {
        return new byte[n];
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] box(String type, byte[]... payload) {
        byte[] body = cat(payload);
        return cat(u32(8 + body.length), ascii(type), body);
    }

    static byte[] fullBox(String type, int version, int flags, byte[]... payload) {
        return box(type, cat(u32((long) version << 24 | flags)), cat(payload));
    }

    // ---- init segment ----

    static byte[] ftyp() {
        return box("ftyp", ascii("iso6"), u32(512), ascii("iso6cmfcmp41"));
    }

    static byte[] mvhd() {
        return fullBox("mvhd", 0, 0, zeros(96));
    }

    static byte[] tkhd(int trackId, int width, int height) {
        return fullBox("tkhd", 0, 3, u32(0, 0, trackId, 0, 0), zeros(8 + 8 + 36), u32((long) width << 16,
                (long) height << 16));
    }

    static byte[] mdhd(long timescale) {
        return fullBox("mdhd", 0, 0, u32(0, 0, timescale, 0), u16(0x55C4, 0));
    }

    static byte[] hdlr(String handler) {
        return fullBox("hdlr", 0, 0, u32(0), ascii(handler), zeros(12), u8(0));
    }

    static byte[] avc1(int width, int height, int profile, int compat, int level) {
        byte[] avcC = box("avcC", u8(1, profile, compat, level, 0xFF, 0xE1), u16(4), u8(0x67, profile, compat, level),
                u8(1), u16(2), u8(0x68, 0xCE));
        return box("avc1", zeros(6), u16(1), zeros(16), u16(width, height), u32(0x00480000, 0x00480000, 0),
                u16(1), zeros(32), u16(0x18, 0xFFFF), avcC);
    }

    /** An esds whose AudioSpecificConfig is {@code asc}. */
    static byte[] esds(int objectTypeIndication, byte[] asc) {
        byte[] dsi = cat(u8(0x05, asc.length), asc);
        byte[] dcd = cat(u8(objectTypeIndication, 0x15), zeros(3), u32(128000, 128000), dsi);
        byte[] es = cat(u16(1), u8(0), u8(0x04, dcd.length), dcd, u8(0x06, 1, 2));
        return fullBox("esds", 0, 0, u8(0x03, es.length), es);
    }

    static byte[] mp4a(int channels, int sampleRate, byte[] esds) {
        return box("mp4a", zeros(6), u16(1), zeros(8), u16(channels, 16, 0, 0), u32((long) sampleRate << 16), esds);
    }

    static byte[] trak(int trackId, String handler, long timescale, int width, int height, byte[] sampleEntry) {
        byte[] stsd = fullBox("stsd", 0, 0, u32(1), sampleEntry);
        byte[] stbl = box("stbl", stsd, fullBox("stts", 0, 0, u32(0)), fullBox("stsc", 0, 0, u32(0)),
                fullBox("stsz", 0, 0, u32(0, 0)), fullBox("stco", 0, 0, u32(0)));
        byte[] minf = box("minf", stbl);
        return box("trak", tkhd(trackId, width, height), box("mdia", mdhd(timescale), hdlr(handler), minf));
    }

    static byte[] trex(int trackId, long duration, long size, int flags) {
        return fullBox("trex", 0, 0, u32(trackId, 1, duration, size, flags & 0xFFFF_FFFFL));
    }

    static final int VIDEO = 1;
    static final int AUDIO = 2;

    /** A two-track init segment: H.264 640x360 at 12800 Hz (track 1) and AAC-LC 48 kHz stereo (track 2). */
    static byte[] init(byte[] trex1, byte[] trex2) {
        byte[] video = trak(VIDEO, "vide", 12800, 640, 360, avc1(640, 360, 0x4D, 0x40, 0x1E));
        byte[] audio = trak(AUDIO, "soun", 48000, 0, 0, mp4a(2, 48000, esds(0x40, u8(0x11, 0x90))));
        return cat(ftyp(), box("moov", mvhd(), video, audio, box("mvex", trex1, trex2)));
    }

    static byte[] init() {
        return init(trex(VIDEO, 0, 0, 0), trex(AUDIO, 0, 0, 0));
    }

    // ---- fragments ----

    static byte[] mfhd(long sequenceNumber) {
        return fullBox("mfhd", 0, 0, u32(sequenceNumber));
    }

    /** tfhd with the given flags; {@code fields} are the optional fields in order (base_data_offset as two u32). */
    static byte[] tfhd(int flags, int trackId, long... fields) {
        return fullBox("tfhd", 0, flags, u32(trackId), u32(fields));
    }

    static byte[] tfdt0(long time) {
        return fullBox("tfdt", 0, 0, u32(time));
    }

    static byte[] tfdt1(long time) {
        return fullBox("tfdt", 1, 0, u64(time));
    }

    /** trun with the given flags; {@code header} holds data_offset / first_sample_flags as the flags say. */
    static byte[] trun(int flags, int sampleCount, long[] header, long... table) {
        return fullBox("trun", 0, flags, u32(sampleCount), u32(header), u32(table));
    }

    static byte[] moof(long sequenceNumber, byte[]... trafs) {
        return box("moof", mfhd(sequenceNumber), cat(trafs));
    }

    static byte[] traf(byte[]... children) {
        return box("traf", children);
    }

    static byte[] mdat(byte[] payload) {
        return box("mdat", payload);
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }

    /** A copy of {@code box} with its type replaced. */
    static byte[] retype(byte[] box, String type) {
        byte[] out = box.clone();
        System.arraycopy(ascii(type), 0, out, 4, 4);
        return out;
    }

    /** The first {@code n} top-level boxes of {@code file}, e.g. ftyp + moov. */
    static byte[] firstBoxes(byte[] file, int n) {
        int pos = 0;
        for (int i = 0; i < n; i++) {
            pos += (int) ((file[pos] & 0xFFL) << 24 | (file[pos + 1] & 0xFF) << 16 | (file[pos + 2] & 0xFF) << 8
                    | (file[pos + 3] & 0xFF));
        }
        return java.util.Arrays.copyOf(file, pos);
    }
}
