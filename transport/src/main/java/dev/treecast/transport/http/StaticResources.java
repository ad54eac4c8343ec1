package dev.treecast.transport.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Files from a classpath folder (e.g. the player page), read once and kept. Only plain names of known types are
 * served, so a request can never climb out of the folder.
 */
public final class StaticResources {
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "mjs", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "json", "application/json",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon");

    private final String folder;
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    /** Serves files of the classpath folder {@code folder} (e.g. {@code /player}). */
    public StaticResources(String folder) {
        this.folder = folder.endsWith("/") ? folder.substring(0, folder.length() - 1) : folder;
    }

    /** The file {@code name} (no slashes) of the folder, or 404. */
    public FullHttpResponse file(String name) {
        int dot = name.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(name.substring(dot + 1));
        if (type == null || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            return HttpResponses.text(HttpResponseStatus.NOT_FOUND, "no such file: " + name + "\n");
        }
        byte[] body = cache.computeIfAbsent(name, this::read);
        if (body.length == 0) {
            cache.remove(name);
            return HttpResponses.text(HttpResponseStatus.NOT_FOUND, "no such file: " + name + "\n");
        }
        return HttpResponses.bytes(HttpResponseStatus.OK, type, body);
    }

    private byte[] read(String name) {
        try (InputStream in = StaticResources.class.getResourceAsStream(folder + "/" + name)) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /**
     * Adds the player routes to {@code routes}: {@code /} and {@code /watch/<broadcast>} give
     * {@code index.html}, {@code /<prefix>/<file>} the folder's files.
     */
    public HttpRoutes mount(HttpRoutes routes, String prefix) {
        String p = prefix.endsWith("/") ? prefix : prefix + "/";
        return routes.get("/", q -> file("index.html"))
                .getPrefix("/watch/", q -> file("index.html"))
                .getPrefix(p, q -> file(q.path().substring(p.length())));
    }
}
