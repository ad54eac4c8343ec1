package dev.treecast.ingest.treemap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A feed connection that does not drain (a slow browser): the feed skips snapshots while it is not writable and
 * sends only the latest once it is, and the snapshot's publisher never waits. Netty's embedded channel with a
 * frozen clock: no sockets, no sleeps.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TreeMapFeedSlowClientTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicReference<TreeMapSnapshot> latest = new AtomicReference<>(snapshot(1));
    private final TreeMapFeed feed = new TreeMapFeed(latest::get, 1, registry);

    private static TreeMapSnapshot snapshot(long version) {
        TreeMapSnapshot empty = TreeMapSnapshot.empty("ingest");
        return new TreeMapSnapshot(version, "ingest", 0, 0, empty.nodes(), List.of(), List.of());
    }

    private EmbeddedChannel feedChannel() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                feed.open(ctx, (HttpRequest) msg);
            }
        });
        channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, TreeMapFeed.EVENTS_PATH));
        channel.runScheduledPendingTasks();
        return channel;
    }

    /** The {@code data:} payloads written since the last call. */
    private static List<String> sent(EmbeddedChannel channel) {
        List<String> data = new ArrayList<>();
        for (Object m = channel.readOutbound(); m != null; m = channel.readOutbound()) {
            if (m instanceof HttpContent c) {
                String text = c.content().toString(StandardCharsets.UTF_8);
                if (text.startsWith("data: ")) {
                    data.add(text);
                }
                c.release();
            }
        }
        return data;
    }

    private static void tick(EmbeddedChannel channel) {
        channel.advanceTimeBy(TreeMapFeed.PUSH_EVERY_MILLIS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void aSlowClientMissesSnapshotsAndThenGetsOnlyTheLatest() {
        EmbeddedChannel channel = feedChannel();
        assertThat((Object) channel.readOutbound()).isInstanceOf(HttpResponse.class);
        assertThat(sent(channel)).singleElement().asString().contains("\"version\":1");

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        latest.set(snapshot(2));
        tick(channel);
        latest.set(snapshot(3));
        tick(channel);
        assertThat(sent(channel)).as("nothing queued for a connection that is not writable").isEmpty();
        assertThat(registry.counter("treecast.ingest.treemap.skipped").count()).isEqualTo(2);

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        tick(channel);
        tick(channel);
        assertThat(sent(channel)).singleElement().asString().startsWith("data: {\"version\":3,").endsWith("}\n\n");

        channel.close();
        assertThat(feed.clients()).isZero();
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionOverTheBoundIsRefusedAndCounted() {
        EmbeddedChannel first = feedChannel();
        EmbeddedChannel second = feedChannel();
        HttpResponse refused = second.readOutbound();
        assertThat(refused.status().code()).isEqualTo(503);
        assertThat(second.isOpen()).isFalse();
        assertThat(registry.counter("treecast.ingest.treemap.refused").count()).isEqualTo(1);
        assertThat(feed.clients()).isEqualTo(1);
        first.close();
        assertThat(feed.clients()).isZero();
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
    }
}
