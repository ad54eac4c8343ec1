package dev.treecast.media;

import static dev.treecast.media.Mp4.box;
import static dev.treecast.media.Mp4.cat;
import static dev.treecast.media.Mp4.esds;
import static dev.treecast.media.Mp4.fullBox;
import static dev.treecast.media.Mp4.ftyp;
import static dev.treecast.media.Mp4.mp4a;
import static dev.treecast.media.Mp4.mvhd;
import static dev.treecast.media.Mp4.trak;
import static dev.treecast.media.Mp4.trex;
import static dev.treecast.media.Mp4.u8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InitSegmentTest {
    private static final Track DEMO_VIDEO = new Track(1, "vide", 12800, "avc1.4D401E", 640, 360, 0, 0,
            new TrackDefaults(1, 0, 0, 0));
    private static final Track DEMO_AUDIO = new Track(2, "soun", 48000, "mp4a.40.2", 0, 0, 48000, 2,
            new TrackDefaults(1, 0, 0, 0));

    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    private InitSegment parse(byte[] bytes) {
        ByteBuf buf = alloc.wrap(bytes);
        try {
            InitSegment init = InitSegment.parse(buf);
            assertThat(buf.readerIndex()).isZero();
            return init;
        } finally {
            buf.release();
        }
    }

    private static List<String> types(ByteBuf buf, int start, int end) {
        List<String> out = new ArrayList<>();
        for (Boxes.BoxRef ref : Boxes.children(buf, start, end, "test")) {
            out.add(ref.typeName());
        }
        return out;
    }

    @Test
    void parsesTheDemoClipTracksWithExactCodecStrings() {
        InitSegment init = parse(Mp4.firstBoxes(DemoClip.bytes(), 2));
        assertThat(init.tracks()).containsExactly(DEMO_VIDEO, DEMO_AUDIO);
        assertThat(init.track(1).mimeType()).isEqualTo("video/mp4; codecs=\"avc1.4D401E\"");
        assertThat(init.track(2).mimeType()).isEqualTo("audio/mp4; codecs=\"mp4a.40.2\"");
        assertThatThrownBy(() -> init.track(3)).isInstanceOf(CmafException.class)
                .hasMessage("init segment has no track 3");
    }

    @Test
    void extractsAStandaloneInitSegmentPerTrackWithRewrittenSizes() {
        byte[] source = Mp4.firstBoxes(DemoClip.bytes(), 2);
        ByteBuf src = alloc.wrap(source);
        try {
            List<Boxes.BoxRef> top = Boxes.children(src, 0, source.length, "test");
            List<Boxes.BoxRef> moov = Boxes.children(src, top.get(1));
            List<Boxes.BoxRef> traks = Boxes.findAll(moov, Fourcc.TRAK);
            Boxes.BoxRef mvhd = Boxes.find(moov, Fourcc.MVHD);
            List<Boxes.BoxRef> trexes = Boxes.findAll(Boxes.children(src, Boxes.find(moov, Fourcc.MVEX)),
                    Fourcc.TREX);
            for (int i = 0; i < 2; i++) {
                Track track = i == 0 ? DEMO_VIDEO : DEMO_AUDIO;
                ByteBuf out = InitSegment.extractTrack(src, track.trackId(), alloc);
                try {
                    assertThat(InitSegment.parse(out).tracks()).containsExactly(track);
                    assertThat(types(out, 0, out.writerIndex())).containsExactly("ftyp", "moov");
                    List<Boxes.BoxRef> outTop = Boxes.children(out, 0, out.writerIndex(), "out");
                    assertThat(types(out, outTop.get(1).payloadStart(), outTop.get(1).end()))
                            .containsExactly("mvhd", "trak", "mvex");
                    int expectedMoov = 8 + mvhd.size() + traks.get(i).size() + 8 + trexes.get(i).size();
                    assertThat(outTop.get(1).size()).isEqualTo(expectedMoov);
                    assertThat(out.readableBytes()).isEqualTo(top.get(0).size() + expectedMoov);
                    // ftyp, mvhd, trak and trex are carried byte for byte; only container sizes change.
                    int at = top.get(0).size() + 8;
                    assertThat(ByteBufUtil.hexDump(out, 0, top.get(0).size()))
                            .isEqualTo(ByteBufUtil.hexDump(src, 0, top.get(0).size()));
                    assertThat(ByteBufUtil.hexDump(out, at, mvhd.size()))
                            .isEqualTo(ByteBufUtil.hexDump(src, mvhd.start(), mvhd.size()));
                    at += mvhd.size();
                    assertThat(ByteBufUtil.hexDump(out, at, traks.get(i).size()))
                            .isEqualTo(ByteBufUtil.hexDump(src, traks.get(i).start(), traks.get(i).size()));
                    at += traks.get(i).size();
                    assertThat(out.getInt(at)).isEqualTo(8 + trexes.get(i).size());
                    assertThat(ByteBufUtil.hexDump(out, at + 8, trexes.get(i).size()))
                            .isEqualTo(ByteBufUtil.hexDump(src, trexes.get(i).start(), trexes.get(i).size()));
                } finally {
                    out.release();
                }
            }
            assertThatThrownBy(() -> InitSegment.extractTrack(src, 9, alloc)).isInstanceOf(CmafException.class)
                    .hasMessage("init segment has no track 9");
        } finally {
            src.release();
        }
    }

    @Test
    void readsTrexDefaultsPerTrack() {
        InitSegment init = parse(Mp4.init(trex(1, 512, 1000, 0x01010000), trex(2, 1024, 0, 0x02000000)));
        assertThat(init.track(1).defaults()).isEqualTo(new TrackDefaults(1, 512, 1000, 0x01010000));
        assertThat(init.track(2).defaults()).isEqualTo(new TrackDefaults(1, 1024, 0, 0x02000000));
        assertThat(init.track(1)).isEqualTo(new Track(1, "vide", 12800, "avc1.4D401E", 640, 360, 0, 0,
                new TrackDefaults(1, 512, 1000, 0x01010000)));
    }

    private static byte[] singleTrackInit(byte[] trak, int trackId) {
        return cat(ftyp(), box("moov", mvhd(), trak, box("mvex", trex(trackId, 0, 0, 0))));
    }

    private static Track audio(int oti, byte[] asc) {
        byte[] trak = trak(5, "soun", 44100, 0, 0, mp4a(2, 44100, esds(oti, asc)));
        return new InitSegmentTest().parse(singleTrackInit(trak, 5)).track(5);
    }

    @Test
    void derivesMp4aCodecStringRateAndChannelsFromTheAudioSpecificConfig() {
        // AAC-LC (2), 44.1 kHz (index 4), mono (1): the sample entry's template "2 channels" is overridden.
        assertThat(audio(0x40, u8(0x12, 0x08))).extracting(Track::codec, Track::sampleRate, Track::channelCount)
                .containsExactly("mp4a.40.2", 44100, 1);
        // HE-AAC with explicit SBR signalling: core 22.05 kHz, output (extension) 44.1 kHz.
        assertThat(audio(0x40, u8(0x2B, 0x8A, 0x08, 0x00)))
                .extracting(Track::codec, Track::sampleRate, Track::channelCount)
                .containsExactly("mp4a.40.5", 44100, 1);
        // audioObjectType 31 escapes to 32 + 6 more bits (ISO/IEC 14496-3 §1.6.2.1): 11111 001010 -> 42, then
        // 48 kHz (0011) and stereo (0010).
        assertThat(audio(0x40, u8(0xF9, 0x46, 0x40))).extracting(Track::codec, Track::sampleRate,
                Track::channelCount).containsExactly("mp4a.40.42", 48000, 2);
        // MP3 in MP4 is identified by its objectTypeIndication alone; rate and channels come from the entry.
        assertThat(audio(0x6B, u8())).extracting(Track::codec, Track::sampleRate, Track::channelCount)
                .containsExactly("mp4a.6B", 44100, 2);
    }

    @Test
    void rejectsATruncatedAudioSpecificConfig() {
        assertThatThrownBy(() -> audio(0x40, u8(0x12))).isInstanceOf(CmafException.class)
                .hasMessage("box 'esds' of sample entry 'mp4a' of track 5 AudioSpecificConfig is truncated:"
                        + " samplingFrequencyIndex needs 1 byte but only 0 remain");
    }

    @Test
    void derivesAvc3AndOpusCodecStringsAndFallsBackToTkhdForTheSize() {
        byte[] entry = Mp4.retype(Mp4.avc1(0, 0, 0x64, 0x00, 0x1F), "avc3");
        Track video = parse(singleTrackInit(trak(7, "vide", 90000, 1280, 720, entry), 7)).track(7);
        assertThat(video).isEqualTo(new Track(7, "vide", 90000, "avc3.64001F", 1280, 720, 0, 0,
                new TrackDefaults(1, 0, 0, 0)));
        byte[] opus = box("Opus", Mp4.zeros(6), Mp4.u16(1), Mp4.zeros(8), Mp4.u16(2, 16, 0, 0),
                Mp4.u32(48000L << 16), box("dOps", u8(0, 2), Mp4.u16(312), Mp4.u32(48000), Mp4.u16(0), u8(0)));
        Track audio = parse(singleTrackInit(trak(3, "soun", 48000, 0, 0, opus), 3)).track(3);
        assertThat(audio.codec()).isEqualTo("opus");
        assertThat(audio.channelCount()).isEqualTo(2);
        assertThat(audio.sampleRate()).isEqualTo(48000);
    }

    @Test
    void rejectsAnInitSegmentWithoutMvexAsNotFragmented() {
        byte[] init = cat(ftyp(), box("moov", mvhd(), trak(1, "vide", 1000, 2, 2, Mp4.avc1(2, 2, 66, 0, 30))));
        assertThatThrownBy(() -> parse(init)).isInstanceOf(CmafException.class)
                .hasMessage("'moov' has no 'mvex' box: this is not a fragmented (CMAF) init segment");
    }

    @Test
    void rejectsATrackWithoutTrex() {
        byte[] init = cat(ftyp(), box("moov", mvhd(), trak(1, "vide", 1000, 2, 2, Mp4.avc1(2, 2, 66, 0, 30)),
                box("mvex", trex(2, 0, 0, 0))));
        assertThatThrownBy(() -> parse(init)).isInstanceOf(CmafException.class)
                .hasMessage("'mvex' has no 'trex' for track 1");
    }

    /** Found by {@code CmafDemuxerFuzzTest}: the second trak's per-track init segment replaced the first's. */
    @Test
    void rejectsTwoTraksWithTheSameTrackId() {
        byte[] init = cat(ftyp(), box("moov", mvhd(), trak(1, "vide", 1000, 2, 2, Mp4.avc1(2, 2, 66, 0, 30)),
                trak(1, "soun", 48000, 0, 0, mp4a(2, 48000, esds(0x40, u8(0x11, 0x90)))),
                box("mvex", trex(1, 0, 0, 0))));
        assertThatThrownBy(() -> parse(init)).isInstanceOf(CmafException.class)
                .hasMessage("'moov' has two 'trak' boxes for track 1");
    }

    @Test
    void rejectsMissingFtypAndMoov() {
        byte[] moovOnly = Arrays.copyOfRange(Mp4.init(), ftyp().length, Mp4.init().length);
        assertThatThrownBy(() -> parse(moovOnly)).isInstanceOf(CmafException.class)
                .hasMessage("init segment has no 'ftyp' box");
        assertThatThrownBy(() -> parse(ftyp())).isInstanceOf(CmafException.class)
                .hasMessage("init segment has no 'moov' box");
    }

    @Test
    void rejectsUnsupportedHandlersAndCodecs() {
        byte[] text = singleTrackInit(trak(4, "text", 1000, 0, 0, box("tx3g", Mp4.zeros(8))), 4);
        assertThatThrownBy(() -> parse(text)).isInstanceOf(CmafException.class)
                .hasMessage("track 4 has handler 'text': only 'vide' and 'soun' tracks are supported");
        byte[] hevc = singleTrackInit(trak(4, "vide", 1000, 2, 2, Mp4.retype(Mp4.avc1(2, 2, 1, 0, 0), "hvc1")), 4);
        assertThatThrownBy(() -> parse(hevc)).isInstanceOf(CmafException.class)
                .hasMessage("sample entry 'hvc1' of track 4: unsupported video sample entry (only avc1/avc3 H.264"
                        + " is supported)");
    }

    @Test
    void rejectsATruncatedMoov() {
        byte[] init = Mp4.init();
        byte[] cut = Arrays.copyOf(init, init.length - 10);
        assertThatThrownBy(() -> parse(cut)).isInstanceOf(CmafException.class)
                .hasMessageContaining("box 'moov' in init segment declares size")
                .hasMessageContaining("remain in its parent");
    }

    @Test
    void rejectsAnAvcCWithTheWrongVersion() {
        byte[] entry = Mp4.avc1(2, 2, 66, 0, 30);
        entry[indexOf(entry, "avcC") + 8] = 2; // configurationVersion
        byte[] init = singleTrackInit(trak(1, "vide", 1000, 2, 2, entry), 1);
        assertThatThrownBy(() -> parse(init)).isInstanceOf(CmafException.class)
                .hasMessage("'avcC' of sample entry 'avc1' of track 1 has configurationVersion 2, expected 1");
    }

    @Test
    void rejectsAnEsdsDescriptorLongerThanItsBox() {
        byte[] esds = esds(0x40, u8(0x12, 0x10));
        esds[indexOf(esds, "esds") + 13] = 0x7F; // ES_Descriptor size, after the header, FullBox fields and tag
        byte[] init = singleTrackInit(trak(2, "soun", 48000, 0, 0, mp4a(2, 48000, esds)), 2);
        assertThatThrownBy(() -> parse(init)).isInstanceOf(CmafException.class)
                .hasMessageStartingWith("'esds' of sample entry 'mp4a' of track 2: ES_Descriptor declares 127 bytes");
    }

    @Test
    void rejectsAnStsdWhoseEntryCountDoesNotMatch() {
        byte[] init = Mp4.init();
        init[indexOf(init, "stsd") + 15] = 2; // low byte of entry_count
        assertThatThrownBy(() -> parse(init)).isInstanceOf(CmafException.class)
                .hasMessage("'stsd' of track 1 declares 2 entries but holds 1");
    }

    @Test
    void neverThrowsAnythingButCmafExceptionWhenAnyByteOfTheDemoInitIsCorrupted() {
        byte[] init = Mp4.firstBoxes(DemoClip.bytes(), 2);
        for (int i = 0; i < init.length; i++) {
            for (int value : new int[] {0x00, 0xFF, 0x7F, 0x80}) {
                byte[] corrupt = init.clone();
                corrupt[i] = (byte) value;
                ByteBuf buf = alloc.wrap(corrupt);
                try {
                    InitSegment.parse(buf);
                    for (int id = 1; id <= 2; id++) {
                        InitSegment.extractTrack(buf, id, alloc).release();
                    }
                } catch (CmafException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                } finally {
                    buf.release();
                }
            }
        }
    }

    static int indexOf(byte[] haystack, String type) {
        byte[] needle = Mp4.ascii(type);
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i - 4; // the box starts at its size field
        }
        throw new AssertionError(type + " not found");
    }

    @Test
    void fullBoxHelperWritesVersionAndFlags() {
        assertThat(fullBox("test", 1, 0x020000)).containsExactly(0, 0, 0, 12, 't', 'e', 's', 't', 1, 2, 0, 0);
    }
}
