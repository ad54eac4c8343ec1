package dev.treecast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad uploads get a clear HTTP error and a metric; the ingest and the broadcast stay usable. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UploadErrorsTest {
    private Ingest ingest;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        ingest = new Ingest(IngestConfig.loopback()).start();
    }

    @AfterEach
    void stop() {
        ingest.close();
    }

    private HttpResponse<String> send(String method, String path, byte[] body) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + ingest.httpAddress().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void garbageIsRefusedWith400AndTheReason() throws Exception {
        byte[] garbage = new byte[4096];
        new java.util.Random(1).nextBytes(garbage);
        HttpResponse<String> response = send("PUT", "/ingest/live", garbage);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).startsWith("malformed CMAF:");
        assertThat(ingest.metrics().malformedUploads()).isEqualTo(1);
        // The broadcast is free again for a proper encoder.
        assertThat(ingest.broadcast("live").isLive()).isFalse();
    }

    @Test
    void anUploadCutInsideABoxIsRefused() throws Exception {
        // A box header announcing 1000 bytes, followed by 10.
        byte[] cut = {0, 0, 0x03, (byte) 0xE8, 'f', 't', 'y', 'p', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        HttpResponse<String> response = send("PUT", "/ingest/live", cut);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("ftyp");
    }

    @Test
    void aSecondEncoderForALiveBroadcastGets409() throws Exception {
        assertThat(ingest.broadcast("busy").tryAcquire()).isTrue();
        HttpResponse<String> response = send("PUT", "/ingest/busy", new byte[0]);
        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(response.body()).contains("already has a live source");
    }

    @Test
    void badNamesAndMethodsGetClearErrors() throws Exception {
        assertThat(send("PUT", "/ingest/", new byte[0]).statusCode()).isEqualTo(400);
        assertThat(send("GET", "/ingest/live", new byte[0]).statusCode()).isEqualTo(405);
        assertThat(send("GET", "/nowhere", new byte[0]).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/healthz", new byte[0]).body()).isEqualTo("ok\n");
    }
}
