package dev.treecast.media;

import java.util.List;

import io.netty.buffer.ByteBuf;

// Reads what a player needs from a sample entry: the RFC 6381 codec string and the picture or audio format.
final class SampleEntries {
    // Tag values of MPEG-4 Systems descriptors (ISO/IEC 14496-1 §7.2.2.1).
    private static final int ES_DESCR_TAG = 0x03;
    private static final int DECODER_CONFIG_DESCR_TAG = 0x04;
    private static final int DEC_SPECIFIC_INFO_TAG = 0x05;
    // objectTypeIndication for MPEG-4 Audio (ISO/IEC 14496-1 §7.2.6.6.2, table 5).
    private static final int OTI_MPEG4_AUDIO = 0x40;

    record Format(String codec, int width, int height, int sampleRate, int channelCount) {
    }

    private SampleEntries() {
    }

    static Format parse(ByteBuf buf, Boxes.BoxRef entry, int trackId, int handler) {
        String where = "sample entry '" + entry.typeName() + "' of track " + trackId;
        if (handler == Fourcc.VIDE) {
            return visual(buf, entry, where);
        }
        return audio(buf, entry, where);
    }

    // VisualSampleEntry, ISO/IEC 14496-12 §12.1.3: 8 bytes of SampleEntry, then 70 bytes of fields, then boxes.
    private static Format visual(ByteBuf buf, Boxes.BoxRef entry, String where) {
        FieldReader r = new FieldReader(buf, entry.payloadStart(), entry.end(), where);
        r.skip(8 + 16, "SampleEntry header and pre_defined fields");
        int width = r.u16("width");
        int height = r.u16("height");
        r.skip(50, "resolution, frame_count, compressorname, depth");
        List<Boxes.BoxRef> children = Boxes.children(buf, r.position(), entry.end(), where);
        int type = entry.type();
        if (type == Fourcc.AVC1 || type == Fourcc.AVC3) {
            Boxes.BoxRef avcc = Boxes.require(children, Fourcc.AVCC, where);
            // AVCDecoderConfigurationRecord, ISO/IEC 14496-15 §5.3.3.1: configurationVersion, then the profile,
            // constraint-flag and level bytes of the SPS that RFC 6381 §3.3 puts in the codec string.
            FieldReader c = FieldReader.payload(buf, avcc);
            int version = c.u8("configurationVersion");
            if (version != 1) {
                throw new CmafException("'avcC' of " + where + " has configurationVersion " + version
                        + ", expected 1");
            }
            int profile = c.u8("AVCProfileIndication");
            int compat = c.u8("profile_compatibility");
            int level = c.u8("AVCLevelIndication");
            String codec = String.format("%s.%02X%02X%02X", entry.typeName(), profile, compat, level);
            return new Format(codec, width, height, 0, 0);
        }
        throw new CmafException(where + ": unsupported video sample entry (only avc1/avc3 H.264 is supported)");
    }

    // AudioSampleEntry, ISO/IEC 14496-12 §12.2.3: 8 bytes of SampleEntry, 8 reserved (QuickTime puts a version
    // there), channelcount, samplesize, 4 more bytes, samplerate as 16.16, then boxes. QuickTime sound description
    // versions 1 and 2 append 16 and 36 bytes before the boxes.
    private static Format audio(ByteBuf buf, Boxes.BoxRef entry, String where) {
        FieldReader r = new FieldReader(buf, entry.payloadStart(), entry.end(), where);
        r.skip(8, "SampleEntry header");
        int qtVersion = r.u16("version");
        r.skip(6, "reserved");
        int channels = r.u16("channelcount");
        r.skip(6, "samplesize and reserved");
        int sampleRate = (int) (r.u32("samplerate") >>> 16);
        if (qtVersion == 1) {
            r.skip(16, "QuickTime v1 sound description fields");
        } else if (qtVersion == 2) {
            r.skip(4, "sizeOfStructOnly");
            double rate = Double.longBitsToDouble(((long) r.i32("audioSampleRate") << 32)
                    | r.u32("audioSampleRate"));
            channels = (int) r.u32("numAudioChannels");
            sampleRate = (int) rate;
            r.skip(20, "QuickTime v2 sound description fields");
        } else if (qtVersion != 0) {
            throw new CmafException(where + ": unknown sound sample entry version " + qtVersion);
        }
        List<Boxes.BoxRef> children = Boxes.children(buf, r.position(), entry.end(), where);
        int type = entry.type();
        if (type == Fourcc.MP4A) {
            Format f = mp4a(buf, Boxes.require(children, Fourcc.ESDS, where), where);
            // In MP4 the sample entry's channelcount and samplerate are template values (ffmpeg writes 2
            // channels for mono AAC); the AudioSpecificConfig is authoritative when it says something.
            return new Format(f.codec(), 0, 0, f.sampleRate() != 0 ? f.sampleRate() : sampleRate,
                    f.channelCount() != 0 ? f.channelCount() : channels);
        }
        if (type == Fourcc.OPUS) {
            return new Format("opus", 0, 0, sampleRate, channels);
        }
        throw new CmafException(where + ": unsupported audio sample entry (only mp4a and Opus are supported)");
    }

    // Sampling frequencies by samplingFrequencyIndex, ISO/IEC 14496-3 §1.6.3 (AudioSpecificConfig semantics).
    private static final int[] SAMPLING_FREQUENCIES = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050,
        16000, 12000, 11025, 8000, 7350};
    // Channels by channelConfiguration, ISO/IEC 14496-3 §1.6.3; 0 means "in the program config element".
    private static final int[] CHANNELS = {0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8};

    // The codec string, sample rate and channel count of an MPEG-4 audio stream from its ES descriptor box
    // (esds, ISO/IEC 14496-14 §5.6): mp4a.40.N with N the audioObjectType of the
    // AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1), or mp4a.XX with the hex objectTypeIndication for other
    // MPEG audio (RFC 6381 §3.3). Rate and channels are 0 where the config does not give them.
    private static Format mp4a(ByteBuf buf, Boxes.BoxRef esds, String where) {
        String box = "'esds' of " + where;
        FieldReader r = new FieldReader(buf, esds.payloadStart(), esds.end(), box);
        r.versionAndFlags();
        // ES_Descriptor, ISO/IEC 14496-1 §7.2.6.5.
        int esEnd = descriptor(r, ES_DESCR_TAG, "ES_Descriptor", box);
        FieldReader es = new FieldReader(buf, r.position(), esEnd, box + " ES_Descriptor");
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
        // DecoderConfigDescriptor, §7.2.6.6: objectTypeIndication, streamType byte, bufferSizeDB, two bitrates.
        int dcEnd = descriptor(es, DECODER_CONFIG_DESCR_TAG, "DecoderConfigDescriptor", box);
        FieldReader dc = new FieldReader(buf, es.position(), dcEnd, box + " DecoderConfigDescriptor");
        int oti = dc.u8("objectTypeIndication");
        if (oti != OTI_MPEG4_AUDIO) {
            return new Format(String.format("mp4a.%02X", oti), 0, 0, 0, 0);
        }
        dc.skip(1 + 3 + 4 + 4, "streamType, bufferSizeDB, maxBitrate, avgBitrate");
        int dsiEnd = descriptor(dc, DEC_SPECIFIC_INFO_TAG, "DecoderSpecificInfo", box);
        Bits asc = new Bits(new FieldReader(buf, dc.position(), dsiEnd, box + " AudioSpecificConfig"));
        int aot = audioObjectType(asc);
        if (aot == 0) {
            throw new CmafException(box + ": AudioSpecificConfig has audioObjectType 0 (null object)");
        }
        int rate = samplingFrequency(asc, box);
        int channels = channelConfiguration(asc);
        if (aot == 5 || aot == 29) {
            // Explicit SBR/PS signalling (§1.6.2.1): the output rate is the extension sampling frequency.
            rate = samplingFrequency(asc, box);
        }
        return new Format("mp4a.40." + aot, 0, 0, rate, channels);
    }

    // 5-bit audioObjectType; 31 escapes to 32 + the next 6 bits (§1.6.2.1 GetAudioObjectType()).
    private static int audioObjectType(Bits asc) {
        int aot = asc.read(5, "audioObjectType");
        return aot == 31 ? 32 + asc.read(6, "audioObjectTypeExt") : aot;
    }

    private static int samplingFrequency(Bits asc, String box) {
        int index = asc.read(4, "samplingFrequencyIndex");
        if (index == 0xF) {
            return asc.read(24, "samplingFrequency");
        }
        if (index >= SAMPLING_FREQUENCIES.length) {
            throw new CmafException(box + ": reserved samplingFrequencyIndex " + index);
        }
        return SAMPLING_FREQUENCIES[index];
    }

    private static int channelConfiguration(Bits asc) {
        int config = asc.read(4, "channelConfiguration");
        return config < CHANNELS.length ? CHANNELS[config] : 0;
    }

    // MSB-first bit reader over the bytes of a FieldReader.
    private static final class Bits {
        private final FieldReader bytes;
        private int current;
        private int left;

        Bits(FieldReader bytes) {
            this.bytes = bytes;
        }

        int read(int n, String field) {
            int v = 0;
            for (int i = 0; i < n; i++) {
                if (left == 0) {
                    current = bytes.u8(field);
                    left = 8;
                }
                v = v << 1 | (current >>> --left & 1);
            }
            return v;
        }
    }

    // Reads a descriptor header (tag and expandable size, ISO/IEC 14496-1 §8.3.3) that must carry tag, and
    // returns the index where its body ends, checked to lie inside the reader's range.
    static int descriptor(FieldReader r, int tag, String name, String box) {
        int got = r.u8(name + " tag");
        if (got != tag) {
            throw new CmafException(box + ": expected " + name + " (tag " + tag + "), found tag " + got);
        }
        int size = 0;
        for (int i = 0; ; i++) {
            int b = r.u8(name + " size");
            size = size << 7 | (b & 0x7F);
            if ((b & 0x80) == 0) {
                break;
            }
            if (i == 3) {
                throw new CmafException(box + ": " + name + " size field is longer than 4 bytes");
            }
        }
        if (size > r.remaining()) {
            throw new CmafException(box + ": " + name + " declares " + size + " bytes but only " + r.remaining()
                    + " remain");
        }
        return r.position() + size;
    }
}
