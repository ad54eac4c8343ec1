package dev.treecast.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;

/** The gateway's HTTP/1.1 port: certificate hash, edge description, the player page. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GatewayHttpTest {
    private static Relay relay;
    private static Gateway gateway;
    private static HttpClient http;
    /** A broadcast key: the RFC 8032 test 1 public key. */
    private static final String KEY = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    @BeforeAll
    static void start() throws Exception {
        relay = new Relay(RelayConfig.builder().nodeId("edge-1")
                .broadcastKey(java.util.Base64.getDecoder().decode(KEY)).build()).start();
        gateway = new Gateway(relay, GatewayConfig.builder().build()).start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + gateway.httpAddress().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theCertificateHashIsTheLowercaseHexSha256OfTheDerCertificateWithCors() throws Exception {
        HttpResponse<String> response = get("/certificate.sha256");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(relay.certificates().sha256Hex()).matches("[0-9a-f]{64}");
        assertThat(response.headers().firstValue("access-control-allow-origin")).hasValue("*");
    }

    @Test
    void theEdgeDescriptionNamesTheNodeTheWebTransportUrlTheCertificateAndTheBroadcastKeyWithCors() throws Exception {
        HttpResponse<String> response = get("/api/edge");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValue("access-control-allow-origin")).hasValue("*");
        assertThat(response.body()).isEqualTo("{\"node\":\"edge-1\",\"webtransport\":\"https://127.0.0.1:"
                + gateway.webTransportAddress().getPort() + "/watch/\",\"certificateSha256\":\""
                + relay.certificates().sha256Hex() + "\",\"broadcastKey\":\"" + KEY + "\"}");
        assertThat(gateway.webTransportUrl("live/final"))
                .isEqualTo("https://127.0.0.1:" + gateway.webTransportAddress().getPort() + "/watch/live/final");
    }

    @Test
    void thePlayerPageIsServedAtTheRootAndAtWatchUrls() throws Exception {
        for (String path : new String[] {"/", "/watch/live/final", "/watch/live"}) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(response.body()).contains("Treecast");
        }
    }

    @Test
    void scriptsAreServedFromThePlayerFolderWithTheirType() throws Exception {
        HttpResponse<String> script = get("/js/probe.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
        assertThat(script.body()).contains("treecast-probe");
        // The folder is also mounted at /player/.
        assertThat(get("/player/js/probe.js").body()).contains("treecast-probe");
        // A page at /watch/<broadcast> referring to an asset relatively.
        assertThat(get("/watch/live/final/probe-asset.js").body()).contains("watch-asset");
        assertThat(get("/watch/probe-asset.js").body()).contains("watch-asset");
    }

    @Test
    void theMoqWatchPageAndTheBundleBuiltFromNpmAreServedWithItsLicenses() throws Exception {
        for (String path : new String[] {"/moq/demo", "/moq/live/final", "/moq/demo/"}) {
            HttpResponse<String> page = get(path);
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(page.body()).contains("<moq-watch ").contains("/player/moq.js");
        }
        // The bundle esbuild made in generate-resources (src/main/moq-watch/build.mjs), as the page imports it.
        HttpResponse<String> bundle = get("/player/moq-watch.js");
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
        assertThat(bundle.body()).startsWith("/* @moq/watch 0.4.6 ").contains("moq-watch-ui")
                .doesNotContain("cdn.jsdelivr.net");
        assertThat(get("/moq/moq-watch.js").body()).isEqualTo(bundle.body());
        HttpResponse<String> licenses = get("/player/moq-watch.js.LICENSE.txt");
        assertThat(licenses.statusCode()).isEqualTo(200);
        assertThat(licenses.body()).contains("@moq/watch 0.4.6 — (MIT OR Apache-2.0)").contains("zod ")
                .doesNotContain("@libav.js/");
    }

    @Test
    void unknownFilesAndPathsLeavingTheFolderAre404() throws Exception {
        for (String path : new String[] {"/missing.js", "/../pom.xml", "/.hidden.js", "/js/../../x.js",
                "/noextension", "/dev/treecast/gateway/Gateway.class", "/player/../pom.xml", "/player/"}) {
            assertThat(get(path).statusCode()).as(path).isEqualTo(404);
        }
    }
}
