package dev.treecast.media;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The tracks of a CMAF header ({@code ftyp} + {@code moov} with {@code mvex}, ISO/IEC 23000-19), and per-track init
 * segments cut from it.
 *
 * @param tracks the tracks in {@code moov} order
 */
public record InitSegment(List<Track> tracks) {

    /** Creates an init segment description; {@code tracks} is copied. */
    public InitSegment {
        tracks = List.copyOf(tracks);
    }

    /** The track with this track_ID. Throws {@link CmafException} if there is none. */
    public Track track(int trackId) {
        for (Track t : tracks) {
            if (t.trackId() == trackId) {
                return t;
            }
        }
        throw new CmafException("init segment has no track " + trackId);
    }

    /** True if the init segment has a track with this track_ID. */
    public boolean hasTrack(int trackId) {
        for (Track t : tracks) {
            if (t.trackId() == trackId) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses the readable bytes of {@code init}: an {@code ftyp} box and a {@code moov} box (other top-level boxes
     * are ignored). Does not change the buffer's indexes and does not release it.
     *
     * @throws CmafException if a box is malformed, a required box is missing, or a track's codec is unsupported
     */
    public static InitSegment parse(ByteBuf init) {
        Layout layout = Layout.of(init);
        List<Track> tracks = new ArrayList<>();
        for (Boxes.BoxRef trak : layout.traks) {
            tracks.add(parseTrak(init, trak, layout.trex));
        }
        return new InitSegment(tracks);
    }

    /**
     * Builds a standalone init segment for one track: the same {@code ftyp}, and a {@code moov} with only
     * {@code mvhd}, that track's {@code trak}, any {@code pssh}, and an {@code mvex} holding {@code mehd} (if
     * present) and that track's {@code trex}. Other {@code moov} children ({@code udta}, {@code meta},
     * {@code iods}) are dropped. Each such segment can initialise its own MSE SourceBuffer.
     *
     * <p>Ownership: {@code init} is only read (indexes unchanged, not released); the returned buffer is allocated
     * from {@code alloc} and owned by the caller, who must release it.
     */
    public static ByteBuf extractTrack(ByteBuf init, int trackId, ByteBufAllocator alloc) {
        Layout layout = Layout.of(init);
        Boxes.BoxRef trak = null;
        for (Boxes.BoxRef t : layout.traks) {
            if (trackIdOf(init, t) == trackId) {
                trak = t;
            }
        }
        if (trak == null) {
            throw new CmafException("init segment has no track " + trackId);
        }
        Boxes.BoxRef trex = layout.trex.get(trackId);
        ByteBuf out = alloc.buffer(layout.ftyp.size() + layout.moov.size());
        try {
            Boxes.copy(out, init, layout.ftyp);
            // Containers are re-emitted with 32-bit sizes computed from what they now hold (§4.2).
            int moov = Boxes.beginBox(out, Fourcc.MOOV);
            Boxes.copy(out, init, layout.mvhd);
            Boxes.copy(out, init, trak);
            for (Boxes.BoxRef child : layout.moovChildren) {
                if (child.type() == Fourcc.PSSH) {
                    Boxes.copy(out, init, child);
                }
            }
            int mvex = Boxes.beginBox(out, Fourcc.MVEX);
            if (layout.mehd != null) {
                Boxes.copy(out, init, layout.mehd);
            }
            Boxes.copy(out, init, trex);
            Boxes.endBox(out, mvex);
            Boxes.endBox(out, moov);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    // Where the boxes that matter sit in an init segment buffer.
    private static final class Layout {
        Boxes.BoxRef ftyp;
        Boxes.BoxRef moov;
        Boxes.BoxRef mvhd;
        Boxes.BoxRef mehd;
        List<Boxes.BoxRef> moovChildren;
        List<Boxes.BoxRef> traks;
        final Map<Integer, Boxes.BoxRef> trex = new HashMap<>();

        static Layout of(ByteBuf buf) {
            Layout l = new Layout();
            List<Boxes.BoxRef> top = Boxes.children(buf, buf.readerIndex(), buf.writerIndex(), "init segment");
            l.ftyp = Boxes.require(top, Fourcc.FTYP, "init segment");
            l.moov = Boxes.require(top, Fourcc.MOOV, "init segment");
            l.moovChildren = Boxes.children(buf, l.moov);
            l.mvhd = Boxes.require(l.moovChildren, Fourcc.MVHD, "'moov'");
            l.traks = Boxes.findAll(l.moovChildren, Fourcc.TRAK);
            if (l.traks.isEmpty()) {
                throw new CmafException("'moov' has no 'trak' box");
            }
            Boxes.BoxRef mvex = Boxes.find(l.moovChildren, Fourcc.MVEX);
            if (mvex == null) {
                throw new CmafException("'moov' has no 'mvex' box: this is not a fragmented (CMAF) init segment");
            }
            List<Boxes.BoxRef> mvexChildren = Boxes.children(buf, mvex);
            l.mehd = Boxes.find(mvexChildren, Fourcc.MEHD);
            for (Boxes.BoxRef trex : Boxes.findAll(mvexChildren, Fourcc.TREX)) {
                FieldReader r = FieldReader.payload(buf, trex);
                r.versionAndFlags();
                int id = r.i32("track_ID");
                if (l.trex.put(id, trex) != null) {
                    throw new CmafException("'mvex' has two 'trex' boxes for track " + id);
                }
            }
            Set<Integer> trackIds = new HashSet<>();
            for (Boxes.BoxRef trak : l.traks) {
                int id = trackIdOf(buf, trak);
                // track_IDs are unique in a file (§8.3.2); two would share one per-track init segment.
                if (!trackIds.add(id)) {
                    throw new CmafException("'moov' has two 'trak' boxes for track " + id);
                }
                if (!l.trex.containsKey(id)) {
                    throw new CmafException("'mvex' has no 'trex' for track " + id);
                }
            }
            return l;
        }
    }

    private static int trackIdOf(ByteBuf buf, Boxes.BoxRef trak) {
        Boxes.BoxRef tkhd = Boxes.require(Boxes.children(buf, trak), Fourcc.TKHD, "'trak'");
        FieldReader r = FieldReader.payload(buf, tkhd);
        int version = r.versionAndFlags() >>> 24;
        // Track Header Box, ISO/IEC 14496-12 §8.3.2: creation and modification times are 64-bit in version 1.
        r.skip(version == 1 ? 16 : 8, "creation_time and modification_time");
        int id = r.i32("track_ID");
        if (id == 0) {
            throw new CmafException("'tkhd' has track_ID 0, which is reserved");
        }
        return id;
    }

    private static Track parseTrak(ByteBuf buf, Boxes.BoxRef trak, Map<Integer, Boxes.BoxRef> trexById) {
        int trackId = trackIdOf(buf, trak);
        String where = "track " + trackId;
        List<Boxes.BoxRef> trakChildren = Boxes.children(buf, trak);

        // tkhd width and height are 16.16 fixed point and end the box (§8.3.2); used if the sample entry has none.
        Boxes.BoxRef tkhd = Boxes.require(trakChildren, Fourcc.TKHD, "'trak' of " + where);
        FieldReader tk = FieldReader.payload(buf, tkhd);
        int tkVersion = tk.versionAndFlags() >>> 24;
        tk.skip(tkVersion == 1 ? 84 : 72, "tkhd fields before width");
        int tkhdWidth = (int) (tk.u32("width") >>> 16);
        int tkhdHeight = (int) (tk.u32("height") >>> 16);

        Boxes.BoxRef mdia = Boxes.require(trakChildren, Fourcc.MDIA, "'trak' of " + where);
        List<Boxes.BoxRef> mdiaChildren = Boxes.children(buf, mdia);

        // Media Header Box, §8.4.2: timescale follows the creation/modification times (64-bit in version 1).
        FieldReader md = FieldReader.payload(buf, Boxes.require(mdiaChildren, Fourcc.MDHD, "'mdia' of " + where));
        int mdVersion = md.versionAndFlags() >>> 24;
        md.skip(mdVersion == 1 ? 16 : 8, "creation_time and modification_time");
        long timescale = md.u32("timescale");
        if (timescale == 0) {
            throw new CmafException("'mdhd' of " + where + " has timescale 0");
        }

        // Handler Reference Box, §8.4.3: pre_defined, then handler_type.
        FieldReader hd = FieldReader.payload(buf, Boxes.require(mdiaChildren, Fourcc.HDLR, "'mdia' of " + where));
        hd.versionAndFlags();
        hd.skip(4, "pre_defined");
        int handler = hd.i32("handler_type");
        if (handler != Fourcc.VIDE && handler != Fourcc.SOUN) {
            throw new CmafException(where + " has handler '" + Fourcc.toString(handler)
                    + "': only 'vide' and 'soun' tracks are supported");
        }

        FieldReader tx = FieldReader.payload(buf, trexById.get(trackId));
        tx.versionAndFlags();
        tx.skip(4, "track_ID");
        TrackDefaults defaults = new TrackDefaults(tx.u32("default_sample_description_index"),
                tx.u32("default_sample_duration"), tx.u32("default_sample_size"), tx.i32("default_sample_flags"));

        Boxes.BoxRef minf = Boxes.require(mdiaChildren, Fourcc.MINF, "'mdia' of " + where);
        Boxes.BoxRef stbl = Boxes.require(Boxes.children(buf, minf), Fourcc.STBL, "'minf' of " + where);
        Boxes.BoxRef stsd = Boxes.require(Boxes.children(buf, stbl), Fourcc.STSD, "'stbl' of " + where);
        // Sample Description Box, §8.5.2: FullBox header and entry_count, then the sample entries.
        FieldReader sd = FieldReader.payload(buf, stsd);
        sd.versionAndFlags();
        long entryCount = sd.u32("entry_count");
        List<Boxes.BoxRef> entries = Boxes.children(buf, sd.position(), stsd.end(), "'stsd' of " + where);
        if (entryCount == 0 || entries.size() != entryCount) {
            throw new CmafException("'stsd' of " + where + " declares " + entryCount + " entries but holds "
                    + entries.size());
        }
        long index = defaults.sampleDescriptionIndex();
        Boxes.BoxRef entry = entries.get(index >= 1 && index <= entries.size() ? (int) index - 1 : 0);
        SampleEntries.Format f = SampleEntries.parse(buf, entry, trackId, handler);

        int width = f.width() != 0 ? f.width() : tkhdWidth;
        int height = f.height() != 0 ? f.height() : tkhdHeight;
        int sampleRate = f.sampleRate() != 0 || handler != Fourcc.SOUN ? f.sampleRate() : (int) timescale;
        return new Track(trackId, Fourcc.toString(handler), timescale, f.codec(),
                handler == Fourcc.VIDE ? width : 0, handler == Fourcc.VIDE ? height : 0,
                sampleRate, f.channelCount(), defaults);
    }
}
