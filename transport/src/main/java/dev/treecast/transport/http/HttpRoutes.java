package dev.treecast.transport.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * A small HTTP API: GET only, each path answered by a function of the query; exact paths first, then the longest
 * matching prefix. Handlers run on the HTTP thread. Shared by the ingest (next to uploads) and the relays' HTTP
 * port.
 */
public final class HttpRoutes {
    private final Map<String, Function<QueryStringDecoder, FullHttpResponse>> routes = new LinkedHashMap<>();
    private final Map<String, Function<QueryStringDecoder, FullHttpResponse>> prefixes = new LinkedHashMap<>();
    private Function<QueryStringDecoder, FullHttpResponse> fallback;
    private final Map<String, Function<FullHttpRequest, FullHttpResponse>> posts = new LinkedHashMap<>();

    /**
     * Serves {@code POST path} with {@code handler}, given the whole request (the server bounds its body). Only
     * for requests the server hands over whole ({@link FullHttpRequest}); others get 405.
     */
    public synchronized HttpRoutes post(String path, Function<FullHttpRequest, FullHttpResponse> handler) {
        posts.put(path, handler);
        return this;
    }

    /** Serves {@code GET path} with {@code handler}. */
    public synchronized HttpRoutes get(String path, Function<QueryStringDecoder, FullHttpResponse> handler) {
        routes.put(path, handler);
        return this;
    }

    /** Serves every {@code GET} path starting with {@code prefix} (not matched exactly) with {@code handler}. */
    public synchronized HttpRoutes getPrefix(String prefix, Function<QueryStringDecoder, FullHttpResponse> handler) {
        prefixes.put(prefix, handler);
        return this;
    }

    /** Answers every GET no route matches (e.g. static files); without one such requests get 404. */
    public synchronized HttpRoutes fallback(Function<QueryStringDecoder, FullHttpResponse> handler) {
        fallback = handler;
        return this;
    }

    private Function<QueryStringDecoder, FullHttpResponse> find(String path) {
        Function<QueryStringDecoder, FullHttpResponse> handler = routes.get(path);
        if (handler != null) {
            return handler;
        }
        String best = null;
        for (String prefix : prefixes.keySet()) {
            if (path.startsWith(prefix) && (best == null || prefix.length() > best.length())) {
                best = prefix;
            }
        }
        return best == null ? fallback : prefixes.get(best);
    }

    /** Answers {@code request}: 404 for unknown paths, 405 for anything but GET/HEAD, 400 for bad arguments. */
    public synchronized FullHttpResponse handle(HttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        Function<FullHttpRequest, FullHttpResponse> post = posts.get(uri.path());
        if (post != null && request.method().equals(HttpMethod.POST) && request instanceof FullHttpRequest full) {
            return post.apply(full);
        }
        Function<QueryStringDecoder, FullHttpResponse> handler = find(uri.path());
        if (handler == null) {
            return HttpResponses.text(HttpResponseStatus.NOT_FOUND, "no such resource: " + uri.path() + "\n");
        }
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            return HttpResponses.text(HttpResponseStatus.METHOD_NOT_ALLOWED, uri.path() + " only answers GET\n");
        }
        try {
            return handler.apply(uri);
        } catch (IllegalArgumentException e) {
            return HttpResponses.text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n");
        }
    }
}
