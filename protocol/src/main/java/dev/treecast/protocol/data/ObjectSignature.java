package dev.treecast.protocol.data;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

import dev.treecast.protocol.Strings;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Ed25519 signatures of objects (RFC 8032): the ingest signs, relays and players verify. What is signed is not
 * the wire bytes but a fixed encoding of everything that names the object and of its content, the
 * <em>signing input</em>:
 *
 * <pre>
 *   "treecast/1 object"      17 ASCII bytes, domain separation: no other message signed with the key is an object
 *   broadcast                varint byte length | UTF-8
 *   track                    varint byte length | UTF-8
 *   group                    varint (RFC 9000 §16, shortest form)
 *   object sequence          varint
 *   ingest timestamp (µs)    varint
 *   SHA-256(payload)         32 bytes
 * </pre>
 *
 * The 64-byte signature travels in the object's signature field (see {@link ObjectFrame}). Naming the broadcast,
 * track, group and sequence means a relay cannot pass a genuine object off as another one; hashing the payload first
 * keeps the signed message small whatever the object's size. The player ({@code player/signature.js}) builds the
 * same bytes.
 *
 * <p>Pure: no I/O. A {@link Signer} or {@link Verifier} keeps its JCA state and scratch buffers and is not
 * thread-safe: one per owner thread.
 */
public final class ObjectSignature {
    /** The JCA name of the scheme. */
    public static final String ALGORITHM = "Ed25519";
    /** A raw Ed25519 public key (RFC 8032 §5.1.5), as relays and players are given it. */
    public static final int PUBLIC_KEY_LENGTH = 32;
    public static final int SIGNATURE_LENGTH = 64;
    public static final int DIGEST_LENGTH = 32;
    /** The domain-separation prefix of every signing input. */
    public static final String DOMAIN = "treecast/1 object";
    private static final byte[] DOMAIN_BYTES = DOMAIN.getBytes(StandardCharsets.US_ASCII);
    /** DER of SubjectPublicKeyInfo for Ed25519 (RFC 8410 §4) up to the 32 key bytes. */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final int MAX_INPUT = DOMAIN_BYTES.length + 2 + TrackName.MAX_BROADCAST + 2 + TrackName.MAX_TRACK
            + 3 * 8 + DIGEST_LENGTH;

    /** What checking one object found; {@link #tag()} is the metric tag. */
    public enum Outcome {
        VALID("valid"),
        /** No signature at all. */
        UNSIGNED("unsigned"),
        /** A signature field that cannot be an Ed25519 signature (wrong length). */
        MALFORMED("malformed"),
        /** The signature does not hold for this object: altered, forged, or signed by another key. */
        INVALID("invalid");

        private final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    private ObjectSignature() {
    }

    /** The exact bytes signed for an object (see the class comment). */
    public static byte[] signingInput(String broadcast, String track, long group, long sequence, long timestampMicros,
                                      byte[] payloadSha256) {
        if (payloadSha256.length != DIGEST_LENGTH) {
            throw new IllegalArgumentException("a SHA-256 digest is 32 bytes, not " + payloadSha256.length);
        }
        ByteBuf out = Unpooled.buffer(MAX_INPUT);
        writeInput(out, broadcast, track, group, sequence, timestampMicros, payloadSha256);
        return Arrays.copyOf(out.array(), out.writerIndex());
    }

    private static void writeInput(ByteBuf out, String broadcast, String track, long group, long sequence,
                                   long timestampMicros, byte[] payloadSha256) {
        out.writeBytes(DOMAIN_BYTES);
        Strings.write(out, broadcast);
        Strings.write(out, track);
        Varint.write(out, group);
        Varint.write(out, sequence);
        Varint.write(out, timestampMicros);
        out.writeBytes(payloadSha256);
    }

    /** The 32 raw bytes of an Ed25519 public key. */
    public static byte[] rawPublicKey(PublicKey key) {
        byte[] der = key.getEncoded();
        if (!ALGORITHM.equalsIgnoreCase(key.getAlgorithm()) && !"EdDSA".equalsIgnoreCase(key.getAlgorithm())
                || der.length != X509_PREFIX.length + PUBLIC_KEY_LENGTH
                || !Arrays.equals(der, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
        }
        return Arrays.copyOfRange(der, X509_PREFIX.length, der.length);
    }

    /** The Ed25519 public key whose raw bytes are {@code raw}. */
    public static PublicKey publicKey(byte[] raw) {
        if (raw == null || raw.length != PUBLIC_KEY_LENGTH) {
            throw new IllegalArgumentException("an Ed25519 public key is " + PUBLIC_KEY_LENGTH + " bytes, not "
                    + (raw == null ? "absent" : raw.length));
        }
        byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + PUBLIC_KEY_LENGTH);
        System.arraycopy(raw, 0, der, X509_PREFIX.length, PUBLIC_KEY_LENGTH);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        } catch (InvalidKeySpecException e) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    /** Reusable state shared by signing and verifying: the digest, the input buffer. */
    private abstract static class Base {
        final Signature signature;
        final MessageDigest sha256;
        final byte[] digest = new byte[DIGEST_LENGTH];
        final ByteBuf input = Unpooled.buffer(MAX_INPUT);

        Base() {
            try {
                signature = Signature.getInstance(ALGORITHM);
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JDK has no Ed25519 or SHA-256", e);
            }
        }

        /** Fills {@link #input} with the signing input of an object whose payload is {@code payload}. */
        final void prepare(TrackName track, long group, long sequence, long timestampMicros, ByteBuf payload) {
            sha256.update(payload.nioBuffer());
            try {
                sha256.digest(digest, 0, DIGEST_LENGTH);
            } catch (java.security.DigestException e) {
                throw new IllegalStateException(e);
            }
            input.clear();
            writeInput(input, track.broadcast(), track.track(), group, sequence, timestampMicros, digest);
        }
    }

    /** Signs objects with one private key. */
    public static final class Signer extends Base {
        public Signer(PrivateKey key) {
            try {
                signature.initSign(key);
            } catch (InvalidKeyException e) {
                throw new IllegalArgumentException("not an Ed25519 private key: " + e.getMessage(), e);
            }
        }

        /** The 64-byte signature of the object {@code (track, group, sequence, timestampMicros, payload)}. */
        public byte[] sign(TrackName track, long group, long sequence, long timestampMicros, ByteBuf payload) {
            prepare(track, group, sequence, timestampMicros, payload);
            try {
                signature.update(input.array(), 0, input.writerIndex());
                return signature.sign();
            } catch (SignatureException e) {
                throw new IllegalStateException("signing failed", e);
            }
        }
    }

    /** Checks objects against one public key. */
    public static final class Verifier extends Base {
        private final byte[] rawKey;
        private final PublicKey key;
        private final byte[] candidate = new byte[SIGNATURE_LENGTH];

        public Verifier(byte[] rawPublicKey) {
            this.key = ObjectSignature.publicKey(rawPublicKey);
            this.rawKey = rawPublicKey.clone();
            init();
        }

        private void init() {
            try {
                signature.initVerify(key);
            } catch (InvalidKeyException e) {
                throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
            }
        }

        /** The raw public key this verifier checks against. */
        public byte[] publicKey() {
            return rawKey.clone();
        }

        /** Checks {@code object} of {@code group} of {@code track}; does not take ownership. */
        public Outcome verify(TrackName track, long group, ObjectFrame object) {
            return verify(track, group, object.sequence(), object.timestampMicros(), object.signature(),
                    object.payload());
        }

        /** Checks one object given by its fields; does not take ownership of the buffers. */
        public Outcome verify(TrackName track, long group, long sequence, long timestampMicros, ByteBuf sig,
                              ByteBuf payload) {
            int length = sig.readableBytes();
            if (length == 0) {
                return Outcome.UNSIGNED;
            }
            if (length != SIGNATURE_LENGTH) {
                return Outcome.MALFORMED;
            }
            prepare(track, group, sequence, timestampMicros, payload);
            sig.getBytes(sig.readerIndex(), candidate);
            try {
                signature.update(input.array(), 0, input.writerIndex());
                return signature.verify(candidate) ? Outcome.VALID : Outcome.INVALID;
            } catch (SignatureException e) {
                // The JDK refuses some encodings outright (e.g. a non-canonical S, RFC 8032 §5.1.7): not valid.
                // Start clean for the next object, whatever state the failure left behind.
                init();
                return Outcome.INVALID;
            }
        }
    }
}
