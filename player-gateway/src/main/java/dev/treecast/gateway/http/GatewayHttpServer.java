package dev.treecast.gateway.http;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.transport.Transports;
import dev.treecast.transport.http.HttpResponses;
import dev.treecast.transport.http.HttpRoutes;
import dev.treecast.transport.http.StaticFiles;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * The gateway's HTTP/1.1 port: a few API routes (answered with {@code Access-Control-Allow-Origin: *}, since the
 * player page may come from another origin), then the player page from {@link StaticFiles}. Runs on its own thread:
 * reading classpath files must not stall the relay's loop, and nothing here touches relay state.
 */
public final class GatewayHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayHttpServer.class);
    private static final int MAX_REQUEST = 16 * 1024;

    private final EventLoopGroup group;
    private final Channel channel;

    private GatewayHttpServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * Binds {@code address}.
     *
     * @param api       routes answered with CORS headers
     * @param apiPaths  the paths {@code api} serves (others go to {@code files})
     * @param files     the static files
     */
    public static GatewayHttpServer bind(InetSocketAddress address, String threadName, HttpRoutes api,
                                         Set<String> apiPaths, StaticFiles files) throws InterruptedException {
        EventLoopGroup group = Transports.newGroup(1, threadName);
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(Transports.serverSocketChannel())
                    .childHandler(new Initializer(api, apiPaths, files))
                    .bind(address)
                    .sync()
                    .channel();
            return new GatewayHttpServer(group, channel);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Per connection: HTTP/1.1 codec, whole requests (they are small GETs), then {@link Handler}. */
    @ChannelHandler.Sharable
    private static final class Initializer extends ChannelInitializer<SocketChannel> {
        private final HttpRoutes api;
        private final Set<String> apiPaths;
        private final StaticFiles files;

        Initializer(HttpRoutes api, Set<String> apiPaths, StaticFiles files) {
            this.api = api;
            this.apiPaths = apiPaths;
            this.files = files;
        }

        @Override
        protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST),
                    new Handler(api, apiPaths, files));
        }
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final HttpRoutes api;
        private final Set<String> apiPaths;
        private final StaticFiles files;

        Handler(HttpRoutes api, Set<String> apiPaths, StaticFiles files) {
            this.api = api;
            this.apiPaths = apiPaths;
            this.files = files;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = new QueryStringDecoder(request.uri()).path();
            FullHttpResponse response;
            if (!request.decoderResult().isSuccess()) {
                response = HttpResponses.text(HttpResponseStatus.BAD_REQUEST, "malformed request\n");
            } else if (apiPaths.contains(path)) {
                response = api.handle(request);
                response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
            } else {
                response = serveFile(request, path);
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
            HttpUtil.setKeepAlive(response, keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private FullHttpResponse serveFile(FullHttpRequest request, String path) {
            Optional<StaticFiles.File> file = files.find(path);
            if (file.isEmpty()) {
                return HttpResponses.text(HttpResponseStatus.NOT_FOUND, "no such resource: " + path + "\n");
            }
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                return HttpResponses.text(HttpResponseStatus.METHOD_NOT_ALLOWED, path + " only answers GET\n");
            }
            return HttpResponses.bytes(HttpResponseStatus.OK, file.get().contentType(), file.get().bytes());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("HTTP connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
