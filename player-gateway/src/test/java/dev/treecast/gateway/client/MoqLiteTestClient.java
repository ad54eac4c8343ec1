package dev.treecast.gateway.client;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.treecast.gateway.webtransport.Capsule;
import dev.treecast.gateway.webtransport.CapsuleDecoder;
import dev.treecast.gateway.webtransport.StreamPrefix;
import dev.treecast.protocol.moqlite.LiteCodec;
import dev.treecast.protocol.moqlite.LiteMessage;
import dev.treecast.transport.QuicClientEndpoint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3Headers;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

/**
 * A bare moq-lite-over-WebTransport client for tests, written against the wire as {@code @moq/net} speaks it: the
 * extended CONNECT offers subprotocols in {@code wt-available-protocols}; bidirectional streams start with
 * {@code 0x41 | session id}; what the server sends on any stream is recorded as raw bytes (with FIN or reset) for
 * the test to decode with the codec. Certificates are not verified (the endpoint trusts any server).
 */
public final class MoqLiteTestClient implements AutoCloseable {
    /** What arrived on one stream from the server. */
    public static final class Received {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private boolean fin;
        private Long resetCode;

        synchronized void add(ByteBuf buf) {
            bytes.writeBytes(ByteBufUtil.getBytes(buf));
        }

        synchronized void fin() {
            fin = true;
        }

        synchronized void reset(long code) {
            resetCode = code;
        }

        public synchronized byte[] bytes() {
            return bytes.toByteArray();
        }

        public synchronized boolean isFin() {
            return fin;
        }

        public synchronized Long resetCode() {
            return resetCode;
        }

        /** A buffer over the bytes so far (for decoding). */
        public ByteBuf buffer() {
            return Unpooled.wrappedBuffer(bytes());
        }
    }

    /** The CONNECT's answer: status and the subprotocol the server picked (null: none). */
    public record Answer(int status, String protocol) {
    }

    private final CompletableFuture<Answer> answer = new CompletableFuture<>();
    private final CompletableFuture<Capsule.CloseSession> closed = new CompletableFuture<>();
    private final List<Received> uniStreams = new ArrayList<>();
    private final String path;
    private final List<String> protocols;
    private volatile QuicChannel connection;
    private volatile QuicStreamChannel connectStream;

    private MoqLiteTestClient(String path, List<String> protocols) {
        this.path = path;
        this.protocols = protocols;
    }

    /** Connects and sends the CONNECT; {@link #answer()} completes with the response. */
    public static MoqLiteTestClient connect(QuicClientEndpoint endpoint, InetSocketAddress remote, String path,
                                            List<String> protocols) throws Exception {
        MoqLiteTestClient client = new MoqLiteTestClient(path, protocols);
        endpoint.connect(remote, client.new Init(), PassThrough.INSTANCE).get(10, TimeUnit.SECONDS);
        return client;
    }

    public Answer answer() throws Exception {
        return answer.get(10, TimeUnit.SECONDS);
    }

    /** The server's CLOSE_WEBTRANSPORT_SESSION, when it comes. */
    public CompletableFuture<Capsule.CloseSession> closedBySession() {
        return closed;
    }

    public QuicChannel connection() {
        return connection;
    }

    /** Unidirectional streams the server opened in the session, in the order they arrived. */
    public List<Received> uniStreams() {
        synchronized (uniStreams) {
            return List.copyOf(uniStreams);
        }
    }

    /** A bidirectional stream of the session: written to with {@link #write}, what comes back in {@link #received}. */
    public final class Bidi {
        final QuicStreamChannel stream;
        final Received received = new Received();

        Bidi(QuicStreamChannel stream) {
            this.stream = stream;
        }

        /** Writes the stream type varint (if {@code type >= 0}) and the messages. */
        public Bidi write(int type, LiteMessage... messages) {
            ByteBuf out = stream.alloc().buffer();
            if (type >= 0) {
                dev.treecast.protocol.Varint.write(out, type);
            }
            for (LiteMessage m : messages) {
                LiteCodec.encode(m, out);
            }
            stream.writeAndFlush(out);
            return this;
        }

        /** Writes raw bytes (for malformed input). */
        public Bidi writeRaw(byte[] bytes) {
            stream.writeAndFlush(Unpooled.wrappedBuffer(bytes));
            return this;
        }

        public void fin() {
            stream.shutdownOutput();
        }

        public Received received() {
            return received;
        }
    }

    /** Opens a bidirectional stream of the session (after the CONNECT was answered). */
    public Bidi openBidi() throws Exception {
        long sessionId = connectStream.streamId();
        Bidi[] holder = new Bidi[1];
        QuicStreamChannel stream = connection.createStream(QuicStreamType.BIDIRECTIONAL,
                new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        ch.config().setReadFrames(true);
                    }
                }).get(5, TimeUnit.SECONDS);
        Bidi bidi = new Bidi(stream);
        holder[0] = bidi;
        stream.pipeline().addLast(new Recorder(bidi.received));
        ByteBuf prefix = stream.alloc().buffer();
        StreamPrefix.writeBidirectional(prefix, sessionId);
        stream.writeAndFlush(prefix);
        return bidi;
    }

    /** Opens a unidirectional stream of the session and writes {@code bytes} after its prefix, then FIN. */
    public void sendUni(byte[] bytes) throws Exception {
        long sessionId = connectStream.streamId();
        QuicStreamChannel stream = connection.createStream(QuicStreamType.UNIDIRECTIONAL,
                new ChannelInboundHandlerAdapter()).get(5, TimeUnit.SECONDS);
        ByteBuf out = stream.alloc().buffer();
        StreamPrefix.writeUnidirectional(out, sessionId);
        out.writeBytes(bytes);
        stream.writeAndFlush(out).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    }

    @Override
    public void close() {
        QuicChannel c = connection;
        if (c != null && c.isOpen()) {
            c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------------------------------ handlers

    private final class Init extends ChannelInitializer<QuicChannel> {
        @Override
        protected void initChannel(QuicChannel channel) {
            connection = channel;
            channel.pipeline().addLast(new UniSwitch(),
                    new Http3ClientConnectionHandler(new Settings(), null, null, ClientWire.settingsFrame(), true,
                            (id, value) -> true));
        }
    }

    /** Server-opened unidirectional streams: WebTransport ones are recorded, HTTP/3 ones passed on. */
    private final class UniSwitch extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof QuicStreamChannel stream && stream.type() == QuicStreamType.UNIDIRECTIONAL) {
                stream.config().setReadFrames(true);
                stream.pipeline().addLast(new UniSniffer());
            }
            ctx.fireChannelRead(msg);
        }
    }

    private final class UniSniffer extends ChannelInboundHandlerAdapter {
        private ByteBuf buffered;
        private boolean http3;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof QuicStreamFrame frame)) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (http3) {
                ctx.fireChannelRead(frame.content());
                return;
            }
            boolean fin = frame.hasFin();
            ByteBuf in = buffered == null ? frame.content() : Unpooled.wrappedBuffer(buffered, frame.content());
            buffered = null;
            switch (ClientWire.sniffUnidirectional(in)) {
                case StreamPrefix.NeedMore n -> buffered = in;
                case StreamPrefix.Http3 h -> {
                    http3 = true;
                    ctx.fireChannelRead(in);
                }
                case StreamPrefix.WebTransport wt -> {
                    in.skipBytes(wt.length());
                    Received received = new Received();
                    synchronized (uniStreams) {
                        uniStreams.add(received);
                    }
                    dev.treecast.gateway.webtransport.StreamSniffing.removeAllBut(ctx, this);
                    ctx.pipeline().addLast(new Recorder(received));
                    ctx.pipeline().remove(this);
                    ctx.pipeline().fireChannelRead(new io.netty.handler.codec.quic.DefaultQuicStreamFrame(in, fin));
                }
            }
        }
    }

    @io.netty.channel.ChannelHandler.Sharable
    private static final class PassThrough extends ChannelInboundHandlerAdapter {
        static final PassThrough INSTANCE = new PassThrough();
    }

    /** Records a stream's bytes, FIN and reset. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        private final Received received;

        Recorder(Received received) {
            this.received = received;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof QuicStreamFrame frame) {
                    received.add(frame.content());
                    if (frame.hasFin()) {
                        received.fin();
                    }
                } else if (msg instanceof ByteBuf buf) {
                    received.add(buf);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof QuicStreamResetException reset) {
                received.reset(reset.applicationProtocolCode());
            }
        }
    }

    /** The server's SETTINGS: send the CONNECT. */
    private final class Settings extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http3SettingsFrame && connectStream == null) {
                Http3.newRequestStream(connection, new ConnectHandler()).addListener(
                        (Future<QuicStreamChannel> f) -> {
                            if (!f.isSuccess()) {
                                answer.completeExceptionally(f.cause());
                                return;
                            }
                            connectStream = f.getNow();
                            Http3Headers headers = new DefaultHttp3HeadersFrame().headers();
                            headers.method("CONNECT").protocol("webtransport").scheme("https")
                                    .authority("127.0.0.1").path(path);
                            if (!protocols.isEmpty()) {
                                headers.set("wt-available-protocols", String.join(", ",
                                        protocols.stream().map(p -> "\"" + p + "\"").toList()));
                            }
                            connectStream.writeAndFlush(new DefaultHttp3HeadersFrame(headers));
                        });
            }
            ReferenceCountUtil.release(msg);
        }
    }

    private final class ConnectHandler extends Http3RequestStreamInboundHandler {
        private final CapsuleDecoder capsules = new CapsuleDecoder();

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
            if (answer.isDone()) {
                return;
            }
            CharSequence protocol = frame.headers().get("wt-protocol");
            String picked = protocol == null ? null : protocol.toString().replace("\"", "");
            answer.complete(new Answer(Integer.parseInt(frame.headers().status().toString()), picked));
        }

        @Override
        protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
            try {
                capsules.decode(frame.content(), capsule -> {
                    if (capsule instanceof Capsule.CloseSession close) {
                        closed.complete(close);
                    }
                });
            } finally {
                frame.release();
            }
        }

        @Override
        protected void channelInputClosed(ChannelHandlerContext ctx) {
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            capsules.release();
        }
    }
}
