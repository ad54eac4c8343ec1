package dev.treecast.loadtest.bench;

import java.io.PrintStream;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntSupplier;

import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.data.ObjectFrame;
import dev.treecast.protocol.data.ObjectSignature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * What signing costs the ingest and verifying costs a relay, per object, on one thread of this machine: the JDK's
 * Ed25519 over the signing input plus SHA-256 of the payload ({@link ObjectSignature}), for payload sizes from an
 * audio fragment to a large video one, from direct buffers as the relay holds them. Prints microseconds per object
 * and what that makes in objects per second per core; SHA-256 alone is shown so the fixed Ed25519 cost is visible.
 * A figure, not a test: nothing passes or fails.
 */
public final class SignatureBenchmark {
    private static final TrackName TRACK = new TrackName("bench/final", "video");
    /** 1 KiB; 4 KiB (200 ms of 128 kbit/s audio); 64 KiB (200 ms of 2.5 Mbit/s video); 256 KiB; 1 MiB. */
    private static final List<Integer> SIZES = List.of(1 << 10, 4 << 10, 64 << 10, 256 << 10, 1 << 20);

    private final Duration warmup;
    private final Duration measure;
    private final PrintStream out;
    private volatile long sink;

    public SignatureBenchmark(Duration warmup, Duration measure, PrintStream out) {
        this.warmup = warmup;
        this.measure = measure;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        new SignatureBenchmark(Duration.ofSeconds(2), Duration.ofSeconds(3), System.out).run();
    }

    public void run() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance(ObjectSignature.ALGORITHM).generateKeyPair();
        ObjectSignature.Signer signer = new ObjectSignature.Signer(key.getPrivate());
        ObjectSignature.Verifier verifier = new ObjectSignature.Verifier(ObjectSignature.rawPublicKey(key.getPublic()));
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        out.printf(Locale.ROOT, "Ed25519 object signatures on one thread (%s %s, %d cores), warm-up %d s, %d s each%n",
                System.getProperty("java.vm.name"), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), warmup.toSeconds(), measure.toSeconds());
        out.printf(Locale.ROOT, "%10s %12s %12s %12s %14s %14s%n", "payload", "sha-256 µs", "sign µs", "verify µs",
                "signs/s/core", "verifies/s/core");
        for (int size : SIZES) {
            byte[] bytes = new byte[size];
            new Random(size).nextBytes(bytes);
            ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(size).writeBytes(bytes);
            ObjectFrame frame = null;
            try {
                long[] sequence = {0};
                byte[] signature = signer.sign(TRACK, 1, 0, 1_700_000_000_000_000L, payload);
                frame = ObjectFrame.encode(PooledByteBufAllocator.DEFAULT, 0, 1_700_000_000_000_000L,
                        Unpooled.wrappedBuffer(signature), payload);
                ObjectFrame object = frame;
                if (verifier.verify(TRACK, 1, object) != ObjectSignature.Outcome.VALID) {
                    throw new IllegalStateException("a fresh signature does not verify");
                }
                double hash = microsPer(() -> {
                    sha256.update(payload.nioBuffer());
                    return sha256.digest()[0];
                });
                double sign = microsPer(() -> signer.sign(TRACK, 1, sequence[0]++, 1_700_000_000_000_000L,
                        payload)[0]);
                double verify = microsPer(() -> verifier.verify(TRACK, 1, object).ordinal());
                out.printf(Locale.ROOT, "%9dK %12.1f %12.1f %12.1f %14.0f %14.0f%n", size >> 10, hash, sign, verify,
                        1e6 / sign, 1e6 / verify);
            } finally {
                payload.release();
                if (frame != null) {
                    frame.release();
                }
            }
        }
        out.println("A relay verifies once per object it receives (not per subscriber); the ingest signs once per"
                + " object. Multiply by objects per second of all tracks for the CPU share.");
    }

    /** Mean microseconds per call of {@code op} after a warm-up. */
    private double microsPer(IntSupplier op) {
        long end = System.nanoTime() + warmup.toNanos();
        long acc = 0;
        while (System.nanoTime() < end) {
            acc += op.getAsInt();
        }
        long start = System.nanoTime();
        end = start + measure.toNanos();
        long n = 0;
        long now;
        do {
            for (int i = 0; i < 16; i++) {
                acc += op.getAsInt();
            }
            n += 16;
            now = System.nanoTime();
        } while (now < end);
        sink += acc;
        return (now - start) / 1e3 / n;
    }
}
