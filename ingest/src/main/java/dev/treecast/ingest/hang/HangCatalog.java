package dev.treecast.ingest.hang;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.media.Track;

/**
 * The hang catalog ({@code @moq/hang} 0.3 {@code RootSchema}), published on track {@value HangPackager#CATALOG}:
 * a {@code video} and an {@code audio} section, each a map from track name to a WebCodecs decoder config, every
 * track in the "legacy" container (see {@code docs/hang.md}).
 *
 * <pre>{@code
 * {"video":{"renditions":{"video.hang":{"codec":"avc1.4D401E","container":{"kind":"legacy"},
 *    "description":"014d401e...","codedWidth":640,"codedHeight":360,"jitter":200}}},
 *  "audio":{"renditions":{"audio.hang":{"codec":"mp4a.40.2","container":{"kind":"legacy"},
 *    "description":"119056e500","sampleRate":48000,"numberOfChannels":2,"jitter":214}}}}
 * }</pre>
 */
public final class HangCatalog {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One rendition.
     *
     * @param name the hang track's name
     * @param track the CMAF track it is derived from
     * @param description the WebCodecs description (avcC or AudioSpecificConfig), or null
     * @param jitterMillis the longest delay before a frame is available, or 0 when not known yet (left out)
     */
    public record Rendition(String name, Track track, byte[] description, long jitterMillis) {
    }

    private HangCatalog() {
    }

    /** The catalog JSON for {@code renditions}, in their order. */
    public static byte[] json(List<Rendition> renditions) {
        Map<String, Object> video = new LinkedHashMap<>();
        Map<String, Object> audio = new LinkedHashMap<>();
        for (Rendition r : renditions) {
            Track t = r.track();
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("codec", t.codec());
            config.put("container", Map.of("kind", "legacy"));
            if (r.description() != null) {
                config.put("description", HexFormat.of().formatHex(r.description()));
            }
            if (t.isVideo()) {
                config.put("codedWidth", t.width());
                config.put("codedHeight", t.height());
            } else {
                config.put("sampleRate", t.sampleRate());
                config.put("numberOfChannels", t.channelCount());
            }
            if (r.jitterMillis() > 0) {
                config.put("jitter", r.jitterMillis());
            }
            (t.isVideo() ? video : audio).put(r.name(), config);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        if (!video.isEmpty()) {
            root.put("video", Map.of("renditions", video));
        }
        if (!audio.isEmpty()) {
            root.put("audio", Map.of("renditions", audio));
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
