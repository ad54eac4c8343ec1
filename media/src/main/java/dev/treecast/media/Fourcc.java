package dev.treecast.media;

import java.nio.charset.StandardCharsets;

// Four-character codes (ISO/IEC 14496-12 §4.2 box types) as big-endian ints, and their display form.
final class Fourcc {
    static final int FTYP = of("ftyp");
    static final int MOOV = of("moov");
    static final int MVHD = of("mvhd");
    static final int TRAK = of("trak");
    static final int TKHD = of("tkhd");
    static final int MDIA = of("mdia");
    static final int MDHD = of("mdhd");
    static final int HDLR = of("hdlr");
    static final int MINF = of("minf");
    static final int STBL = of("stbl");
    static final int STSD = of("stsd");
    static final int MVEX = of("mvex");
    static final int MEHD = of("mehd");
    static final int TREX = of("trex");
    static final int PSSH = of("pssh");
    static final int MOOF = of("moof");
    static final int MFHD = of("mfhd");
    static final int TRAF = of("traf");
    static final int TFHD = of("tfhd");
    static final int TFDT = of("tfdt");
    static final int TRUN = of("trun");
    static final int SAIO = of("saio");
    static final int MDAT = of("mdat");
    static final int UUID = of("uuid");
    static final int AVC1 = of("avc1");
    static final int AVC3 = of("avc3");
    static final int AVCC = of("avcC");
    static final int MP4A = of("mp4a");
    static final int ESDS = of("esds");
    static final int OPUS = of("Opus");
    static final int VIDE = of("vide");
    static final int SOUN = of("soun");

    private Fourcc() {
    }

    static int of(String code) {
        byte[] b = code.getBytes(StandardCharsets.ISO_8859_1);
        if (b.length != 4) {
            throw new IllegalArgumentException("not a four-character code: " + code);
        }
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }

    // True when all four bytes are printable ASCII, as every registered box type is.
    static boolean isPrintable(int code) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            int c = (code >>> shift) & 0xFF;
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    // The code as text; non-printable codes are shown in hex so error messages stay readable.
    static String toString(int code) {
        if (!isPrintable(code)) {
            return String.format("0x%08x", code);
        }
        char[] c = {(char) (code >>> 24 & 0xFF), (char) (code >>> 16 & 0xFF), (char) (code >>> 8 & 0xFF),
                (char) (code & 0xFF)};
        return new String(c);
    }
}
