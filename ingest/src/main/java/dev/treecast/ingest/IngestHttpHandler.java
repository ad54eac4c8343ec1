package dev.treecast.ingest;

import dev.treecast.transport.http.HttpResponses;
import dev.treecast.transport.http.HttpRoutes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.media.CmafException;
import dev.treecast.protocol.TrackName;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * One HTTP/1.1 connection to the ingest. {@code PUT /ingest/<broadcast>} streams live CMAF into the broadcast,
 * chunk by chunk as it arrives (ffmpeg sends it chunked, in real time); every other request goes to the
 * {@link HttpRoutes}. An upload that ends cleanly gets {@code 200}; malformed CMAF gets {@code 400} with the
 * reason; a second encoder for a live broadcast gets {@code 409}. A connection that drops mid-upload ends the
 * broadcast's open groups cleanly, and the encoder can simply connect again.
 */
final class IngestHttpHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(IngestHttpHandler.class);
    static final String INGEST_PREFIX = "/ingest/";

    private final Ingest ingest;
    private final HttpRoutes routes;
    private BroadcastPublisher publisher;
    private CmafPackager packager;
    private long uploadedBytes;
    /** Set while the rest of a refused request's body is being discarded. */
    private boolean discarding;
    private HttpRequest pendingGet;
    /** The body of a POST to a route (player reports), bounded by {@link #MAX_ROUTE_BODY}; null for a GET. */
    private java.io.ByteArrayOutputStream pendingBody;
    static final int MAX_ROUTE_BODY = 16 * 1024;

    IngestHttpHandler(Ingest ingest, HttpRoutes routes) {
        this.ingest = ingest;
        this.routes = routes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest request) {
                onRequest(ctx, request);
            }
            if (msg instanceof HttpContent content) {
                onContent(ctx, content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: " + request.decoderResult().cause());
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (!path.startsWith(INGEST_PREFIX)) {
            pendingGet = request;
            pendingBody = request.method().equals(HttpMethod.POST) ? new java.io.ByteArrayOutputStream() : null;
            return;
        }
        if (!request.method().equals(HttpMethod.PUT) && !request.method().equals(HttpMethod.POST)) {
            FullHttpResponse response = HttpResponses.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "upload live CMAF with PUT " + path + "\n");
            response.headers().set(HttpHeaderNames.ALLOW, "PUT, POST");
            discarding = true;
            HttpResponses.sendAndClose(ctx, response);
            return;
        }
        String broadcast = path.substring(INGEST_PREFIX.length());
        if (!TrackName.isValidName(broadcast, TrackName.MAX_BROADCAST)) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "broadcast name must be 1.." + TrackName.MAX_BROADCAST
                    + " printable ASCII characters without spaces: '" + broadcast + "'");
            return;
        }
        BroadcastPublisher target = ingest.broadcast(broadcast);
        if (!target.tryAcquire()) {
            refuse(ctx, HttpResponseStatus.CONFLICT, "broadcast '" + broadcast + "' already has a live source");
            return;
        }
        publisher = target;
        packager = ingest.newPackager(target);
        uploadedBytes = 0;
        ingest.metrics().encoderSession();
        LOG.info("encoder {} started broadcast '{}'{}", ctx.channel().remoteAddress(), broadcast,
                HttpUtil.isTransferEncodingChunked(request) ? " (chunked)" : "");
    }

    private void onContent(ChannelHandlerContext ctx, HttpContent content) {
        if (discarding) {
            return;
        }
        if (pendingGet != null) {
            if (pendingBody != null) {
                int n = content.content().readableBytes();
                if (pendingBody.size() + n > MAX_ROUTE_BODY) {
                    pendingGet = null;
                    pendingBody = null;
                    refuse(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "at most " + MAX_ROUTE_BODY + " bytes");
                    return;
                }
                byte[] chunk = new byte[n];
                content.content().getBytes(content.content().readerIndex(), chunk);
                pendingBody.writeBytes(chunk);
            }
            if (content instanceof LastHttpContent) {
                HttpRequest request = pendingGet;
                pendingGet = null;
                if (ingest.treeMapFeed().handles(request)) {
                    discarding = true; // the connection is the feed's now: nothing else is read from it
                    ingest.treeMapFeed().open(ctx, request);
                    return;
                }
                if (pendingBody != null) {
                    request = new io.netty.handler.codec.http.DefaultFullHttpRequest(request.protocolVersion(),
                            request.method(), request.uri(), io.netty.buffer.Unpooled.wrappedBuffer(
                            pendingBody.toByteArray()), request.headers(), ((LastHttpContent) content).trailingHeaders());
                    pendingBody = null;
                }
                FullHttpResponse response = routes.handle(request);
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                if (keepAlive) {
                    ctx.writeAndFlush(response);
                } else {
                    HttpResponses.sendAndClose(ctx, response);
                }
            }
            return;
        }
        if (packager == null) {
            return;
        }
        try {
            uploadedBytes += content.content().readableBytes();
            packager.feed(content.content());
            if (content instanceof LastHttpContent) {
                packager.finish();
                String summary = "ingested " + uploadedBytes + " bytes into '" + publisher.broadcast() + "'\n";
                endUpload(true);
                ctx.writeAndFlush(HttpResponses.text(HttpResponseStatus.OK, summary));
            }
        } catch (CmafException e) {
            ingest.metrics().malformedUpload();
            LOG.warn("refusing upload to '{}' from {}: {}", publisher.broadcast(), ctx.channel().remoteAddress(),
                    e.getMessage());
            endUpload(true);
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "malformed CMAF: " + e.getMessage());
        }
    }

    private void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String reason) {
        discarding = true;
        HttpResponses.sendAndClose(ctx, HttpResponses.text(status, reason + "\n"));
    }

    private void endUpload(boolean clean) {
        if (packager == null) {
            return;
        }
        packager.close();
        packager = null;
        publisher.endOfStream();
        publisher.releaseSource();
        if (!clean) {
            ingest.metrics().encoderDisconnect();
        }
        LOG.info("encoder for '{}' {} after {} bytes", publisher.broadcast(), clean ? "finished" : "disconnected",
                uploadedBytes);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        endUpload(false);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("ingest connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
