package dev.treecast.transport.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The player page and its assets, read from a classpath folder (by default {@code player/}, i.e.
 * {@code src/main/resources/player/}). URL paths map to files like this:
 * <ul>
 * <li>{@code /} and {@code /watch/<broadcast>} → {@code index.html} (the page reads the broadcast from the URL);</li>
 * <li>{@code /watch/.../name.js} (and other asset types) → {@code name.js}, so that relative references from a
 * watch page work;</li>
 * <li>{@code /moq/<broadcast>} → {@code moq.html}, the page with the third-party MoQ player {@code <moq-watch>};
 * {@code /moq/.../name.js} → {@code name.js}, as under {@code /watch/};</li>
 * <li>{@code /player/a/b.ext} and {@code /a/b.ext} with a known type → {@code a/b.ext}: the folder is mounted both
 * at {@code /player/} and at the root.</li>
 * </ul>
 * Only plain names ({@code [A-Za-z0-9._-]} segments, none starting with a dot) are looked up, so a request never
 * leaves the folder.
 */
public final class StaticFiles {
    /** The classpath folder of the player page. */
    public static final String DEFAULT_ROOT = "player";
    static final String INDEX = "index.html";
    /** The page with the third-party MoQ player, served for {@code /moq/<broadcast>}. */
    static final String MOQ_PAGE = "moq.html";
    /** The URL folder the files are also mounted at. */
    static final String MOUNT = "player";

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("wasm", "application/wasm"),
            Map.entry("txt", "text/plain; charset=utf-8"));

    /** A file found: its bytes and content type. */
    public record File(String name, String contentType, byte[] bytes) {
    }

    private final ClassLoader loader;
    private final String root;

    public StaticFiles(ClassLoader loader, String root) {
        this.loader = loader;
        this.root = root.endsWith("/") ? root : root + "/";
    }

    public StaticFiles() {
        this(StaticFiles.class.getClassLoader(), DEFAULT_ROOT);
    }

    /** The file {@code urlPath} names as an HTTP answer, or 404. */
    public FullHttpResponse response(String urlPath) {
        return find(urlPath)
                .map(f -> HttpResponses.bytes(HttpResponseStatus.OK, f.contentType(), f.bytes()))
                .orElseGet(() -> HttpResponses.text(HttpResponseStatus.NOT_FOUND, "no such resource: " + urlPath
                        + "\n"));
    }

    /** The file {@code urlPath} (already stripped of its query) names, if there is one. */
    public Optional<File> find(String urlPath) {
        String name = resourceName(urlPath);
        if (name == null) {
            return Optional.empty();
        }
        try (InputStream in = loader.getResourceAsStream(root + name)) {
            if (in == null) {
                return Optional.empty();
            }
            return Optional.of(new File(name, TYPES.get(extension(name)), in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root + name, e);
        }
    }

    /** The resource name under the root for {@code urlPath}, or null if it names no static file. */
    static String resourceName(String urlPath) {
        if (urlPath.equals("/") || urlPath.isEmpty()) {
            return INDEX;
        }
        if (!urlPath.startsWith("/")) {
            return null;
        }
        String[] segments = urlPath.substring(1).split("/", -1);
        if (segments[0].equals("watch") || segments[0].equals("moq")) {
            String last = segments[segments.length - 1];
            boolean asset = segments.length > 1 && SEGMENT.matcher(last).matches()
                    && TYPES.containsKey(extension(last)) && !extension(last).equals("html");
            return asset ? last : segments[0].equals("moq") ? MOQ_PAGE : INDEX;
        }
        if (segments[0].equals(MOUNT) && segments.length > 1) {
            segments = Arrays.copyOfRange(segments, 1, segments.length);
        }
        for (String segment : segments) {
            if (!SEGMENT.matcher(segment).matches()) {
                return null;
            }
        }
        String name = String.join("/", segments);
        return TYPES.containsKey(extension(name)) ? name : null;
    }

    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        int slash = name.lastIndexOf('/');
        return dot <= slash + 1 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
