package dev.treecast.gateway;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.treecast.transport.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http3.DefaultHttp3DataFrame;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;

/**
 * A bare HTTP/3 client on Netty, for what Flupke will not send: requests that must be refused, a second CONNECT
 * on one connection, hand-made capsules. It also records the server's SETTINGS.
 */
final class H3TestClient implements AutoCloseable {
    /** What came back on one request stream. */
    static final class Exchange {
        final CompletableFuture<Http3Headers> response = new CompletableFuture<>();
        final CompletableFuture<Void> inputClosed = new CompletableFuture<>();
        final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        QuicStreamChannel stream;

        int status() throws Exception {
            return Integer.parseInt(response.get(10, TimeUnit.SECONDS).status().toString());
        }
    }

    private final EventLoopGroup group;
    private final Channel socket;
    private final QuicChannel quic;
    final CompletableFuture<Map<Long, Long>> settings = new CompletableFuture<>();
    final CompletableFuture<QuicConnectionCloseEvent> closed = new CompletableFuture<>();

    private H3TestClient(EventLoopGroup group, Channel socket, QuicChannel quic) {
        this.group = group;
        this.socket = socket;
        this.quic = quic;
    }

    static H3TestClient connect(InetSocketAddress server) throws Exception {
        EventLoopGroup group = Transports.newGroup(1, "h3-test-client");
        QuicSslContext ssl = QuicSslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocols(Http3.supportedApplicationProtocols())
                .build();
        ChannelHandler codec = Http3.newQuicClientCodecBuilder()
                .sslContext(ssl)
                .maxIdleTimeout(10, TimeUnit.SECONDS)
                .initialMaxData(10_000_000)
                .initialMaxStreamDataBidirectionalLocal(1_000_000)
                .initialMaxStreamDataBidirectionalRemote(1_000_000)
                .initialMaxStreamsUnidirectional(100)
                .initialMaxStreamDataUnidirectional(1_000_000)
                .build();
        Channel socket = new Bootstrap().group(group).channel(Transports.datagramChannel()).handler(codec)
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        CompletableFuture<Map<Long, Long>> settings = new CompletableFuture<>();
        CompletableFuture<QuicConnectionCloseEvent> closed = new CompletableFuture<>();
        QuicChannel quic = QuicChannel.newBootstrap(socket)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void handlerAdded(ChannelHandlerContext ctx) {
                        ctx.pipeline().addBefore(ctx.name(), null, new Http3ClientConnectionHandler(
                                new SettingsRecorder(settings), null, null, null, true, (id, v) -> true));
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof QuicConnectionCloseEvent e) {
                            closed.complete(e);
                        }
                        ctx.fireUserEventTriggered(evt);
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        closed.complete(null);
                    }
                })
                .remoteAddress(server)
                .connect()
                .get(10, TimeUnit.SECONDS);
        H3TestClient client = new H3TestClient(group, socket, quic);
        settings.whenComplete((s, e) -> client.settings.complete(s));
        closed.whenComplete((c, e) -> client.closed.complete(c));
        return client;
    }

    QuicChannel quic() {
        return quic;
    }

    /** Headers of an extended CONNECT for WebTransport to {@code path}. */
    Http3Headers webTransportConnect(String path) {
        Http3Headers headers = new DefaultHttp3HeadersFrame().headers();
        headers.method("CONNECT").protocol("webtransport").scheme("https")
                .authority("127.0.0.1:" + ((InetSocketAddress) quic.remoteSocketAddress()).getPort()).path(path);
        return headers;
    }

    /** Opens a request stream and sends {@code headers} (no FIN: a CONNECT stream stays open). */
    Exchange request(Http3Headers headers) throws Exception {
        Exchange exchange = new Exchange();
        exchange.stream = Http3.newRequestStream(quic, new ResponseRecorder(exchange)).get(10, TimeUnit.SECONDS);
        exchange.stream.writeAndFlush(new DefaultHttp3HeadersFrame(headers)).sync();
        return exchange;
    }

    /** Sends raw capsule bytes in one DATA frame on {@code exchange}'s stream, with FIN if {@code fin}. */
    void sendData(Exchange exchange, byte[] bytes, boolean fin) throws Exception {
        var write = exchange.stream.writeAndFlush(new DefaultHttp3DataFrame(Unpooled.wrappedBuffer(bytes))).sync();
        if (fin) {
            ((QuicStreamChannel) write.channel()).shutdownOutput().sync();
        }
    }

    @Override
    public void close() {
        quic.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        socket.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class SettingsRecorder extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Map<Long, Long>> settings;

        SettingsRecorder(CompletableFuture<Map<Long, Long>> settings) {
            this.settings = settings;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http3SettingsFrame frame) {
                Map<Long, Long> copy = new LinkedHashMap<>();
                frame.forEach(e -> copy.put(e.getKey(), e.getValue()));
                settings.complete(copy);
            }
            ReferenceCountUtil.release(msg);
        }
    }

    private static final class ResponseRecorder extends Http3RequestStreamInboundHandler {
        private final Exchange exchange;

        ResponseRecorder(Exchange exchange) {
            this.exchange = exchange;
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
            exchange.response.complete(frame.headers());
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
            synchronized (exchange.body) {
                exchange.body.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(frame.content()));
            }
            frame.release();
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
            exchange.inputClosed.complete(null);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            exchange.inputClosed.complete(null);
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            exchange.response.completeExceptionally(cause);
            exchange.inputClosed.completeExceptionally(cause);
        }
    }
}
