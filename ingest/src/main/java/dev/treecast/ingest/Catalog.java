package dev.treecast.ingest;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.media.InitSegment;
import dev.treecast.media.Track;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * The catalog of a CMAF broadcast: one JSON object per version, published on the {@code catalog} track. It lists
 * each media track with what a player needs to start it: the MSE MIME type and the track's own init segment
 * (base64), so one catalog object is enough to set up every SourceBuffer.
 *
 * <pre>{@code
 * {"version":1,"broadcast":"demo","tracks":[
 *   {"name":"video","kind":"video","trackId":1,"codec":"avc1.64001f","mimeType":"video/mp4; codecs=\"avc1.64001f\"",
 *    "timescale":12800,"width":1280,"height":720,"priority":1,"init":"AAAA..."},
 *   {"name":"audio","kind":"audio","trackId":2,"codec":"mp4a.40.2","mimeType":"audio/mp4; codecs=\"mp4a.40.2\"",
 *    "timescale":48000,"sampleRate":48000,"channels":2,"priority":0,"init":"AAAA..."}]}
 * }</pre>
 */
public final class Catalog {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The track names, in catalog order, and the JSON. */
    public record Built(Map<Integer, String> namesByTrackId, String driver, byte[] json) {
        public List<String> names() {
            return List.copyOf(namesByTrackId.values());
        }
    }

    private Catalog() {
    }

    /** Builds the catalog for {@code init}; {@code trackInit} gives each track's own init segment. */
    public static Built build(String broadcast, InitSegment init, IntFunction<ByteBuf> trackInit) {
        Map<Integer, String> names = new LinkedHashMap<>();
        List<Map<String, Object>> tracks = new ArrayList<>();
        long videos = init.tracks().stream().filter(Track::isVideo).count();
        long audios = init.tracks().stream().filter(Track::isAudio).count();
        String driver = null;
        for (Track track : init.tracks()) {
            if (!track.isVideo() && !track.isAudio()) {
                continue;
            }
            String kind = track.isVideo() ? "video" : "audio";
            long sameKind = track.isVideo() ? videos : audios;
            String name = sameKind > 1 ? kind + "/" + track.trackId() : kind;
            names.put(track.trackId(), name);
            if (driver == null && track.isVideo()) {
                driver = name;
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", name);
            entry.put("kind", kind);
            entry.put("trackId", track.trackId());
            entry.put("codec", track.codec());
            entry.put("mimeType", track.mimeType());
            entry.put("timescale", track.timescale());
            if (track.isVideo()) {
                entry.put("width", track.width());
                entry.put("height", track.height());
                entry.put("priority", 1);
            } else {
                entry.put("sampleRate", track.sampleRate());
                entry.put("channels", track.channelCount());
                entry.put("priority", 0);
            }
            entry.put("init", Base64.getEncoder().encodeToString(ByteBufUtil.getBytes(trackInit.apply(track.trackId()))));
            tracks.add(entry);
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no audio or video track in the init segment");
        }
        if (driver == null) {
            driver = names.values().iterator().next();
        }
        Map<String, Object> catalog = new LinkedHashMap<>();
        catalog.put("version", 1);
        catalog.put("broadcast", broadcast);
        catalog.put("tracks", tracks);
        try {
            return new Built(names, driver, JSON.writeValueAsBytes(catalog));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
