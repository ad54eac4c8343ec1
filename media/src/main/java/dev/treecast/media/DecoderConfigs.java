package dev.treecast.media;

import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * The codec-specific decoder configuration of a track, the bytes WebCodecs calls the {@code description}: for H.264
 * ({@code avc1}/{@code avc3}) the AVCDecoderConfigurationRecord (the {@code avcC} box payload, ISO/IEC 14496-15
 * §5.3.3.1), for MPEG-4 audio ({@code mp4a}) the AudioSpecificConfig (the DecoderSpecificInfo of the {@code esds},
 * ISO/IEC 14496-3 §1.6.2.1). Pure and thread-safe.
 */
public final class DecoderConfigs {
    private static final int ES_DESCR_TAG = 0x03;
    private static final int DECODER_CONFIG_DESCR_TAG = 0x04;
    private static final int DEC_SPECIFIC_INFO_TAG = 0x05;

    private DecoderConfigs() {
    }

    /**
     * The description of track {@code trackId} in the init segment {@code init} (readable bytes: {@code ftyp} +
     * {@code moov}, e.g. a per-track init segment), or null if its codec has none that WebCodecs takes (Opus, MPEG
     * audio other than MPEG-4). Uses the sample entry that the track's {@code trex} names, as {@link InitSegment}
     * does. Does not change the buffer's indexes.
     *
     * @throws CmafException if a box is malformed, or there is no such track
     */
    public static byte[] of(ByteBuf init, int trackId) {
        Track track = InitSegment.parse(init).track(trackId);
        List<Boxes.BoxRef> top = Boxes.children(init, init.readerIndex(), init.writerIndex(), "init segment");
        Boxes.BoxRef moov = Boxes.require(top, Fourcc.MOOV, "init segment");
        for (Boxes.BoxRef trak : Boxes.findAll(Boxes.children(init, moov), Fourcc.TRAK)) {
            List<Boxes.BoxRef> trakChildren = Boxes.children(init, trak);
            FieldReader tk = FieldReader.payload(init, Boxes.require(trakChildren, Fourcc.TKHD, "'trak'"));
            int version = tk.versionAndFlags() >>> 24;
            tk.skip(version == 1 ? 16 : 8, "creation_time and modification_time");
            if (tk.i32("track_ID") != trackId) {
                continue;
            }
            String where = "track " + trackId;
            Boxes.BoxRef mdia = Boxes.require(trakChildren, Fourcc.MDIA, "'trak' of " + where);
            Boxes.BoxRef minf = Boxes.require(Boxes.children(init, mdia), Fourcc.MINF, "'mdia' of " + where);
            Boxes.BoxRef stbl = Boxes.require(Boxes.children(init, minf), Fourcc.STBL, "'minf' of " + where);
            Boxes.BoxRef stsd = Boxes.require(Boxes.children(init, stbl), Fourcc.STSD, "'stbl' of " + where);
            FieldReader sd = FieldReader.payload(init, stsd);
            sd.versionAndFlags();
            sd.u32("entry_count");
            List<Boxes.BoxRef> entries = Boxes.children(init, sd.position(), stsd.end(), "'stsd' of " + where);
            long index = track.defaults().sampleDescriptionIndex();
            Boxes.BoxRef entry = entries.get(index >= 1 && index <= entries.size() ? (int) index - 1 : 0);
            return track.isVideo() ? visual(init, entry) : audio(init, entry);
        }
        throw new CmafException("init segment has no track " + trackId);
    }

    // VisualSampleEntry (ISO/IEC 14496-12 §12.1.3): 8 bytes of SampleEntry and 70 of fields before the boxes.
    private static byte[] visual(ByteBuf buf, Boxes.BoxRef entry) {
        String where = "sample entry '" + entry.typeName() + "'";
        if (entry.type() != Fourcc.AVC1 && entry.type() != Fourcc.AVC3) {
            throw new CmafException(where + ": only avc1/avc3 H.264 is supported");
        }
        FieldReader r = new FieldReader(buf, entry.payloadStart(), entry.end(), where);
        r.skip(8 + 70, "VisualSampleEntry fields");
        Boxes.BoxRef avcc = Boxes.require(Boxes.children(buf, r.position(), entry.end(), where), Fourcc.AVCC, where);
        return ByteBufUtil.getBytes(buf, avcc.payloadStart(), avcc.payloadLength());
    }

    // AudioSampleEntry (§12.2.3), with QuickTime sound description versions 1 and 2 (16 and 36 more bytes).
    private static byte[] audio(ByteBuf buf, Boxes.BoxRef entry) {
        String where = "sample entry '" + entry.typeName() + "'";
        if (entry.type() != Fourcc.MP4A) {
            return null;
        }
        FieldReader r = new FieldReader(buf, entry.payloadStart(), entry.end(), where);
        r.skip(8, "SampleEntry header");
        int qtVersion = r.u16("version");
        r.skip(18 + (qtVersion == 1 ? 16 : qtVersion == 2 ? 36 : 0), "AudioSampleEntry fields");
        Boxes.BoxRef esds = Boxes.require(Boxes.children(buf, r.position(), entry.end(), where), Fourcc.ESDS, where);
        String box = "'esds' of " + where;
        FieldReader e = FieldReader.payload(buf, esds);
        e.versionAndFlags();
        // ES_Descriptor (ISO/IEC 14496-1 §7.2.6.5), DecoderConfigDescriptor (§7.2.6.6), DecoderSpecificInfo.
        int esEnd = SampleEntries.descriptor(e, ES_DESCR_TAG, "ES_Descriptor", box);
        FieldReader es = new FieldReader(buf, e.position(), esEnd, box + " ES_Descriptor");
        es.skip(2, "ES_ID");
        int flags = es.u8("stream flags");
        if ((flags & 0x80) != 0) {
            es.skip(2, "dependsOn_ES_ID");
        }
        if ((flags & 0x40) != 0) {
            es.skip(es.u8("URLlength"), "URLstring");
        }
        if ((flags & 0x20) != 0) {
            es.skip(2, "OCR_ES_Id");
        }
        int dcEnd = SampleEntries.descriptor(es, DECODER_CONFIG_DESCR_TAG, "DecoderConfigDescriptor", box);
        FieldReader dc = new FieldReader(buf, es.position(), dcEnd, box + " DecoderConfigDescriptor");
        if (dc.u8("objectTypeIndication") != 0x40) {
            return null;
        }
        dc.skip(1 + 3 + 4 + 4, "streamType, bufferSizeDB, maxBitrate, avgBitrate");
        int dsiEnd = SampleEntries.descriptor(dc, DEC_SPECIFIC_INFO_TAG, "DecoderSpecificInfo", box);
        return ByteBufUtil.getBytes(buf, dc.position(), dsiEnd - dc.position());
    }
}
