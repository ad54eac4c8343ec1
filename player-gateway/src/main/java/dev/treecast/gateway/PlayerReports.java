package dev.treecast.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.treecast.transport.http.HttpResponses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * What players report about themselves: {@code POST /api/ttff} with {@code {"ttffMs": 812}}, once per page, the
 * time from the page starting to its first frame playing. Answered on the HTTP port that served the page (the
 * ingest's, or a relay's), recorded there as {@code treecast.player.ttff} without anything that tells viewers apart.
 *
 * <p>Anyone can POST, so the body is checked strictly (exactly that one field, a plain decimal number, at most
 * {@link #MAX_BODY} bytes) and values outside (0, {@link #MAX_TTFF}] are refused; every refusal is counted in
 * {@code treecast.player.reports.rejected} by reason ({@code malformed}, {@code too-large}, {@code out-of-range}) and
 * answered 400 or 413. A regular expression rather than a JSON library: the one accepted shape is this small.
 */
public final class PlayerReports {
    public static final String TTFF_PATH = "/api/ttff";
    /** Bytes a report may have: the one field with room for white space. */
    public static final int MAX_BODY = 128;
    /** Longer than this is not a start-up but a viewer who left the tab in the background: not counted. */
    public static final Duration MAX_TTFF = Duration.ofMinutes(2);
    /** The values of the {@code reason} tag of {@code treecast.player.reports.rejected}. */
    public static final java.util.List<String> REJECT_REASONS = java.util.List.of("malformed", "too-large",
            "out-of-range");

    private static final Pattern TTFF = Pattern.compile("\\s*\\{\\s*\"ttffMs\"\\s*:\\s*(\\d{1,9}(?:\\.\\d{1,6})?)\\s*}\\s*");

    private final Timer ttff;
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();

    public PlayerReports(MeterRegistry registry, Tags tags) {
        ttff = Timer.builder("treecast.player.ttff").tags(tags)
                .description("time to first frame reported by players: page start to the first frame playing")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(50)).maximumExpectedValue(MAX_TTFF)
                .serviceLevelObjectives(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
                        Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(10))
                .register(registry);
        for (String reason : REJECT_REASONS) {
            rejected.put(reason, Counter.builder("treecast.player.reports.rejected").tags(tags).tag("reason", reason)
                    .description("player reports refused: not the expected body, too large, or a nonsense value")
                    .register(registry));
        }
    }

    /** The route handler for {@code POST /api/ttff}: 204 when recorded. */
    public FullHttpResponse ttff(FullHttpRequest request) {
        if (request.content().readableBytes() > MAX_BODY) {
            return refuse("too-large", HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "a report has at most " + MAX_BODY + " bytes");
        }
        Matcher m = TTFF.matcher(request.content().toString(StandardCharsets.UTF_8));
        if (!m.matches()) {
            return refuse("malformed", HttpResponseStatus.BAD_REQUEST, "expected {\"ttffMs\": <milliseconds>}");
        }
        double millis = Double.parseDouble(m.group(1));
        if (!(millis > 0) || millis > MAX_TTFF.toMillis()) {
            return refuse("out-of-range", HttpResponseStatus.BAD_REQUEST,
                    "ttffMs must be above 0 and at most " + MAX_TTFF.toMillis());
        }
        ttff.record(Math.round(millis * 1000), TimeUnit.MICROSECONDS);
        // 204 has no body and no Content-Length (RFC 9110 §8.6).
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }

    private FullHttpResponse refuse(String reason, HttpResponseStatus status, String why) {
        rejected.get(reason).increment();
        return HttpResponses.text(status, why + "\n");
    }

    /** Reports recorded so far. */
    public long recorded() {
        return ttff.count();
    }

    /** Reports refused for {@code reason}. */
    public long rejected(String reason) {
        return (long) rejected.get(reason).count();
    }
}
