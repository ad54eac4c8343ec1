package dev.treecast.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.control.StartPosition;
import dev.treecast.relay.testing.Publisher;
import dev.treecast.testing.Await;
import dev.treecast.transport.testing.RecordingSubscriber;
import dev.treecast.transport.Alpn;
import dev.treecast.transport.ClientSession;
import dev.treecast.transport.QuicClientEndpoint;
import dev.treecast.transport.QuicSettings;
import dev.treecast.transport.Transports;
import io.netty.channel.EventLoopGroup;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayTreeTest {
    private static final TrackName VIDEO = new TrackName("live/final", "video");

    private Relay root;
    private Relay middle;
    private Relay leaf;
    private EventLoopGroup clientLoop;
    private QuicClientEndpoint client;

    @BeforeEach
    void startTree() throws Exception {
        root = new Relay(RelayConfig.builder().nodeId("root").build()).start();
        middle = new Relay(RelayConfig.builder().nodeId("middle").parent(root.quicAddress()).build()).start();
        leaf = new Relay(RelayConfig.builder().nodeId("leaf").parent(middle.quicAddress()).build()).start();
        clientLoop = Transports.newGroup(1, "test-client");
        client = QuicClientEndpoint.bind(clientLoop.next(), QuicSettings.DEFAULT, Alpn.TREECAST_1);
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (clientLoop != null) {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        for (Relay r : new Relay[] {leaf, middle, root}) {
            if (r != null) {
                r.close();
            }
        }
    }

    private ClientSession connect(Relay relay) throws Exception {
        return ClientSession.connect(client, relay.quicAddress(), ClientSession.Options.viewer("test-viewer"),
                new ClientSession.Listener() {
                }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void everyObjectOfSeveralGroupsArrivesOnceInOrderByteIdenticalThroughTwoRelays() throws Exception {
        Publisher publisher = new Publisher(root, VIDEO);
        ClientSession session = connect(leaf);
        assertThat(session.peerNodeId()).isEqualTo("leaf");
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(VIDEO, StartPosition.LATEST, 1, recorder);
        Await.until("subscription accepted", Duration.ofSeconds(10), recorder::subscribed, recorder::error);

        int groups = 5;
        int objectsPerGroup = 10;
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < objectsPerGroup; o++) {
                publisher.publish(g, o, sizeOf(g, o));
            }
            publisher.endGroup(g);
        }

        Await.until("all objects and group ends", Duration.ofSeconds(20),
                () -> recorder.count() == groups * objectsPerGroup && recorder.ends().size() == groups,
                () -> recorder.count() + " objects, ends " + recorder.ends());

        List<RecordingSubscriber.Received> received = recorder.objects();
        assertThat(received).hasSize(groups * objectsPerGroup);
        for (int g = 0; g < groups; g++) {
            final long group = g;
            List<RecordingSubscriber.Received> ofGroup = received.stream().filter(r -> r.group() == group).toList();
            assertThat(ofGroup).extracting(RecordingSubscriber.Received::sequence)
                    .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            for (RecordingSubscriber.Received r : ofGroup) {
                assertThat(r.payload()).isEqualTo(Publisher.payload(g, r.sequence(), sizeOf(g, (int) r.sequence())));
                assertThat(r.timestampMicros()).isEqualTo(Publisher.timestamp(g, r.sequence()));
            }
        }
        assertThat(recorder.ends()).extracting(RecordingSubscriber.GroupEnd::code).containsOnly(ErrorCode.NO_ERROR);
        // One upstream subscription per hop, however many subscribe below.
        assertThat(middle.metrics().subscribers()).isEqualTo(1);
        assertThat(root.metrics().subscribers()).isEqualTo(1);
    }

    @Test
    void aRelayWhoseParentRestartsResumesWithoutLosingOrRepeatingAnObject() throws Exception {
        Publisher publisher = new Publisher(root, VIDEO);
        ClientSession session = connect(leaf);
        RecordingSubscriber recorder = new RecordingSubscriber();
        session.subscribe(VIDEO, StartPosition.LATEST, 1, recorder);
        Await.until("subscription accepted", Duration.ofSeconds(10), recorder::subscribed, recorder::error);

        int groups = 12;
        int objectsPerGroup = 20;
        java.util.concurrent.ScheduledExecutorService source = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor();
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        try {
            source.scheduleAtFixedRate(() -> {
                int i = next.getAndIncrement();
                if (i < groups * objectsPerGroup) {
                    publisher.publish(i / objectsPerGroup, i % objectsPerGroup, 3000);
                    if (i % objectsPerGroup == objectsPerGroup - 1) {
                        publisher.endGroup(i / objectsPerGroup);
                    }
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
            Await.until("objects flowing", Duration.ofSeconds(10), () -> recorder.count() > 30, recorder::count);

            // The middle relay dies; a new one comes up on the same address, with an empty cache.
            java.net.InetSocketAddress address = middle.quicAddress();
            middle.close();
            middle = new Relay(RelayConfig.builder().nodeId("middle-2").bind(address).parent(root.quicAddress())
                    .build()).start();

            long firstGroup = recorder.objects().get(0).group();
            Await.until("every object from group " + firstGroup + " on", Duration.ofSeconds(20),
                    () -> recorder.count() >= (groups - firstGroup) * objectsPerGroup,
                    () -> recorder.count() + " objects, group ends " + recorder.ends());
        } finally {
            source.shutdownNow();
        }
        List<RecordingSubscriber.Received> received = recorder.objects();
        long first = received.get(0).group();
        // From the first group it saw to the last: every object once, none missing, byte-identical.
        java.util.Map<Long, List<Long>> byGroup = new java.util.TreeMap<>();
        for (RecordingSubscriber.Received r : received) {
            byGroup.computeIfAbsent(r.group(), g -> new java.util.ArrayList<>()).add(r.sequence());
            assertThat(r.payload()).isEqualTo(Publisher.payload(r.group(), r.sequence(), 3000));
        }
        assertThat(byGroup.keySet()).containsExactlyElementsOf(
                java.util.stream.LongStream.range(first, groups).boxed().toList());
        for (List<Long> sequences : byGroup.values()) {
            assertThat(sequences).containsExactlyElementsOf(
                    java.util.stream.LongStream.range(0, objectsPerGroup).boxed().toList());
        }
    }

    private static int sizeOf(int group, int object) {
        return object == 0 ? 60_000 + group * 1000 : 100 + 997 * object;
    }
}
