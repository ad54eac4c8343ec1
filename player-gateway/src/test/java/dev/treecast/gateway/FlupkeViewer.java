package dev.treecast.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.ControlCodec;
import dev.treecast.protocol.control.ControlMessage;
import dev.treecast.protocol.control.Heartbeat;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.Setup;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.protocol.control.Subscribe;
import dev.treecast.protocol.data.GroupHeader;
import dev.treecast.protocol.data.GroupStreamDecoder;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.transport.Alpn;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import tech.kwik.flupke.Http3Client;
import tech.kwik.flupke.Http3ClientBuilder;
import tech.kwik.flupke.HttpError;
import tech.kwik.flupke.webtransport.ClientSessionFactory;
import tech.kwik.flupke.webtransport.Session;
import tech.kwik.flupke.webtransport.WebTransportStream;

/**
 * A viewer built on an independent WebTransport implementation (Flupke 0.9.4 on Kwik 0.10.8): it opens a session,
 * speaks {@code treecast/1} on its first bidirectional stream with our codecs, and records every group stream it
 * receives (objects decoded with {@link GroupStreamDecoder}, and whether the stream ended with FIN).
 */
final class FlupkeViewer {
    static {
        // Kwik 0.10.8 asserts that its loss delay, 9/8 of the RTT in whole milliseconds, is positive
        // (LossDetector.detectLostPackets); on loopback the RTT rounds to 0 ms, the assertion kills Kwik's receiver
        // thread and the connection dies. Production runs without -ea; so do Kwik's classes here. Must run before
        // any Kwik class is initialised.
        FlupkeViewer.class.getClassLoader().setPackageAssertionStatus("tech.kwik", false);
    }

    record Received(long sequence, long timestampMicros, byte[] payload) {
    }

    /** One group stream as received; {@code fin} is true once it ended with FIN, {@code error} if it failed. */
    static final class Group {
        final GroupHeader header;
        final List<Received> objects = new ArrayList<>();
        volatile boolean fin;
        volatile String error;

        Group(GroupHeader header) {
            this.header = header;
        }
    }

    private final Session session;
    private final WebTransportStream control;
    private final ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
    private final List<ControlMessage> messages = new ArrayList<>();
    private final Map<Long, Group> groups = new LinkedHashMap<>();
    private ScheduledExecutorService heartbeats;
    private volatile Long closeCode;
    private volatile String closeReason;

    private FlupkeViewer(Session session, WebTransportStream control) {
        this.session = session;
        this.control = control;
    }

    /** Opens a session to {@code url} (certificate not checked: the test trusts the gateway it started). */
    static FlupkeViewer open(URI url) throws IOException, HttpError {
        Http3Client client = (Http3Client) new Http3ClientBuilder()
                .disableCertificateCheck()
                .connectTimeout(Duration.ofSeconds(5))
                .maxAdditionalOpenPeerInitiatedUnidirectionalStreams(200)
                .build();
        ClientSessionFactory factory = ClientSessionFactory.newBuilder().serverUri(url).httpClient(client).build();
        FlupkeViewer[] self = new FlupkeViewer[1];
        Session session = factory.createSession(url, stream -> self[0].onGroupStream(stream), stream -> {
        });
        session.open();
        WebTransportStream control = session.createBidirectionalStream();
        FlupkeViewer viewer = new FlupkeViewer(session, control);
        self[0] = viewer;
        session.registerSessionTerminatedEventListener((code, reason) -> {
            viewer.closeReason = reason;
            viewer.closeCode = code;
        });
        viewer.readers.submit(viewer::readControl);
        return viewer;
    }

    /** Sends SETUP as a viewer named {@code nodeId}. */
    FlupkeViewer setup(String nodeId) throws IOException {
        return send(new Setup(Alpn.VERSION_1, Role.VIEWER, nodeId));
    }

    FlupkeViewer subscribe(long id, TrackName track) throws IOException {
        return send(new Subscribe(id, track, StartPosition.LATEST, 1));
    }

    FlupkeViewer send(ControlMessage... sent) throws IOException {
        ByteBuf out = Unpooled.buffer();
        for (ControlMessage m : sent) {
            ControlCodec.encode(m, out);
        }
        return sendRaw(ByteBufUtil.getBytes(out));
    }

    FlupkeViewer sendRaw(byte[] bytes) throws IOException {
        OutputStream out = control.getOutputStream();
        synchronized (out) {
            out.write(bytes);
            out.flush();
        }
        return this;
    }

    /** Sends a HEARTBEAT every {@code every}, which also keeps the connection from idling out. */
    FlupkeViewer heartbeat(Duration every) {
        heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "viewer-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long[] sequence = {0};
        heartbeats.scheduleAtFixedRate(() -> {
            try {
                send(new Heartbeat(sequence[0]++, 0, 0));
            } catch (IOException | RuntimeException e) {
                heartbeats.shutdown();
            }
        }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Opens a unidirectional stream to the gateway (which viewers must not do) and writes {@code bytes}. The
     * gateway stops such a stream as soon as it reads its type, so Kwik may report the write side reset before
     * Flupke has even written the session id: that counts as sent.
     */
    void sendOnNewUnidirectionalStream(byte[] bytes) {
        try {
            WebTransportStream stream = session.createUnidirectionalStream();
            stream.getOutputStream().write(bytes);
            stream.getOutputStream().close();
        } catch (IOException e) {
            // stopped by the peer already
        }
    }

    /** Ends the session: CLOSE_WEBTRANSPORT_SESSION (code 0) and FIN on the CONNECT stream. */
    void close() throws IOException {
        stopHeartbeats();
        session.close();
    }

    void stopHeartbeats() {
        if (heartbeats != null) {
            heartbeats.shutdownNow();
        }
    }

    private void readControl() {
        ByteBuf in = Unpooled.buffer();
        byte[] chunk = new byte[4096];
        try (InputStream stream = control.getInputStream()) {
            int n;
            while ((n = stream.read(chunk)) >= 0) {
                in.writeBytes(chunk, 0, n);
                ControlMessage m;
                while ((m = ControlCodec.decode(in)) != null) {
                    synchronized (this) {
                        messages.add(m);
                    }
                }
                in.discardReadBytes();
            }
        } catch (IOException | RuntimeException e) {
            // The session ended; what was read is recorded.
        } finally {
            in.release();
        }
    }

    private void onGroupStream(WebTransportStream stream) {
        readers.submit(() -> readGroup(stream.getInputStream()));
    }

    private void readGroup(InputStream stream) {
        GroupStreamDecoder decoder = new GroupStreamDecoder(UnpooledByteBufAllocator.DEFAULT, ObjectFrame.DEFAULT_MAX_PAYLOAD);
        Group[] group = new Group[1];
        GroupStreamDecoder.Sink sink = new GroupStreamDecoder.Sink() {
            @Override
            public void onHeader(GroupHeader header) {
                group[0] = new Group(header);
                synchronized (FlupkeViewer.this) {
                    groups.put(header.group(), group[0]);
                }
            }

            @Override
            public void onObject(ObjectFrame object) {
                try {
                    Received r = new Received(object.sequence(), object.timestampMicros(),
                            ByteBufUtil.getBytes(object.payload()));
                    synchronized (FlupkeViewer.this) {
                        group[0].objects.add(r);
                    }
                } finally {
                    object.release();
                }
            }
        };
        byte[] chunk = new byte[16384];
        ByteBuf in = Unpooled.buffer();
        try (stream) {
            int n;
            while ((n = stream.read(chunk)) >= 0) {
                in.writeBytes(chunk, 0, n);
                decoder.decode(in, sink);
                in.discardReadBytes();
            }
            decoder.finish();
            if (group[0] != null) {
                group[0].fin = true;
            }
        } catch (IOException | RuntimeException e) {
            decoder.release();
            if (group[0] != null) {
                group[0].error = e.toString();
            }
        } finally {
            in.release();
        }
    }

    synchronized List<ControlMessage> messages() {
        return List.copyOf(messages);
    }

    synchronized Map<Long, Group> groups() {
        return new LinkedHashMap<>(groups);
    }

    /** Groups received completely, with FIN. */
    synchronized long completeGroups() {
        return groups.values().stream().filter(g -> g.fin).count();
    }

    synchronized List<Received> objectsOf(long group) {
        Group g = groups.get(group);
        return g == null ? List.of() : List.copyOf(g.objects);
    }

    /** The code of CLOSE_WEBTRANSPORT_SESSION the gateway sent, or null while the session is open. */
    Long closeCode() {
        return closeCode;
    }

    String closeReason() {
        return closeReason;
    }

    boolean isOpen() {
        return session.isOpen();
    }
}
