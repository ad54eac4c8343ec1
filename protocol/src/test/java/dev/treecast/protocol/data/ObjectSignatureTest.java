package dev.treecast.protocol.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.treecast.protocol.NettyLeakCheck;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.TrackingAllocator;
import dev.treecast.protocol.data.ObjectSignature.Outcome;
import io.netty.buffer.ByteBuf;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NettyLeakCheck.class)
class ObjectSignatureTest {
    private static final HexFormat HEX = HexFormat.of();
    /** RFC 8032 §7.1, TEST 1: the secret key (seed) and its public key. */
    static final String RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    static final String RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    private static final TrackName TRACK = new TrackName("live/final", "video");
    private static final long GROUP = 1795316932253L;
    private static final long TIMESTAMP = 1795316932253123L;

    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void noLeaks() {
        alloc.assertAllReleased();
    }

    static PrivateKey rfc8032Key() throws Exception {
        // PKCS#8 (RFC 8410 §7) of an Ed25519 seed: a fixed 16-byte header, then the 32 seed bytes.
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(
                HEX.parseHex("302e020100300506032b657004220420" + RFC8032_SEED)));
    }

    @Test
    void theSigningInputIsTheDomainTheNamesTheNumbersAndThePayloadDigest() throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("hello".getBytes(StandardCharsets.US_ASCII));
        byte[] input = ObjectSignature.signingInput("live/final", "video", GROUP, 4, TIMESTAMP, digest);
        assertThat(HEX.formatHex(input)).isEqualTo(""
                // "treecast/1 object"
                + "74726565636173742f31206f626a656374"
                // broadcast: length 10 | "live/final"; track: length 5 | "video"
                + "0a6c6976652f66696e616c" + "05766964656f"
                // group 1795316932253 (8-byte varint) | sequence 4 | timestamp 1795316932253123 µs (8-byte varint)
                + "c00001a2013a5e9d" + "04" + "c00660d4cc0195c3"
                // SHA-256("hello")
                + "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assertThat(input).hasSize(17 + 11 + 6 + 8 + 1 + 8 + 32);
    }

    @Test
    void smallNumbersTakeTheShortestVarintAndTheDigestMustBe32Bytes() {
        byte[] input = ObjectSignature.signingInput("b", "t", 0, 63, 64, new byte[32]);
        assertThat(HEX.formatHex(input)).isEqualTo("74726565636173742f31206f626a656374" + "0162" + "0174"
                + "00" + "3f" + "4040" + "00".repeat(32));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ObjectSignature.signingInput("b", "t", 0, 0, 0, new byte[31]));
    }

    @Test
    void theSignatureOfAKnownObjectWithTheRfc8032KeyIsFixed() throws Exception {
        ByteBuf payload = alloc.wrap("hello".getBytes(StandardCharsets.US_ASCII));
        try {
            byte[] signature = new ObjectSignature.Signer(rfc8032Key()).sign(TRACK, GROUP, 4, TIMESTAMP, payload);
            // Ed25519 is deterministic: the player's test (signature.test.mjs) checks this same signature.
            assertThat(HEX.formatHex(signature)).isEqualTo("452b9428e67b0d25d3cf4c36d10f52f33509f55ca351dc89a5f45a9"
                    + "3996cb92edb1092da09ab77c69a13360907af0b2959bc1b4e9b57930488f59480c3f2dd0f");
            assertThat(payload.readerIndex()).as("the payload is not consumed").isZero();
        } finally {
            payload.release();
        }
    }

    @Test
    void rawPublicKeysConvertBothWays() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] raw = ObjectSignature.rawPublicKey(pair.getPublic());
        assertThat(raw).hasSize(ObjectSignature.PUBLIC_KEY_LENGTH);
        assertThat(ObjectSignature.publicKey(raw)).isEqualTo(pair.getPublic());
        assertThat(new ObjectSignature.Verifier(HEX.parseHex(RFC8032_PUBLIC)).publicKey())
                .isEqualTo(HEX.parseHex(RFC8032_PUBLIC));
        assertThatIllegalArgumentException().isThrownBy(() -> ObjectSignature.publicKey(new byte[31]));
        assertThatIllegalArgumentException().isThrownBy(() -> ObjectSignature.rawPublicKey(
                KeyPairGenerator.getInstance("EC").generateKeyPair().getPublic()));
    }

    @Test
    void aSignedObjectVerifiesAndEverySingleBitFlipOfItsWireBytesIsRejected() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ObjectSignature.Signer signer = new ObjectSignature.Signer(pair.getPrivate());
        ObjectSignature.Verifier verifier = verifierOf(pair);
        byte[] bytes = new byte[48];
        new Random(1).nextBytes(bytes);
        ObjectFrame frame = signed(signer, GROUP, 7, TIMESTAMP, bytes);
        byte[] wire = new byte[frame.wireLength()];
        frame.wire().getBytes(frame.wire().readerIndex(), wire);
        try {
            assertThat(frame.signature().readableBytes()).isEqualTo(ObjectSignature.SIGNATURE_LENGTH);
            assertThat(verifier.verify(TRACK, GROUP, frame)).isEqualTo(Outcome.VALID);
            // The same verifier keeps working after a success and after a failure.
            assertThat(verifier.verify(TRACK, GROUP + 1, frame)).isEqualTo(Outcome.INVALID);
            assertThat(verifier.verify(TRACK, GROUP, frame)).isEqualTo(Outcome.VALID);
        } finally {
            frame.release();
        }

        int decoded = 0;
        for (int bit = 0; bit < wire.length * 8; bit++) {
            byte[] flipped = wire.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            ObjectFrame altered;
            try {
                altered = ObjectFrame.wrap(alloc.wrap(flipped));
            } catch (ProtocolException e) {
                continue; // a flip in a length field: the frame no longer parses, which rejects it too
            }
            decoded++;
            try {
                assertThat(verifier.verify(TRACK, GROUP, altered)).as("bit %d flipped", bit)
                        .isNotEqualTo(Outcome.VALID);
            } finally {
                altered.release();
            }
        }
        assertThat(decoded).as("most flips still parse, so the signature is what rejects them")
                .isGreaterThan(wire.length * 8 * 9 / 10);
    }

    @Test
    void theSameObjectUnderAnotherNameOrPlaceIsRejected() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ObjectSignature.Signer signer = new ObjectSignature.Signer(pair.getPrivate());
        ObjectSignature.Verifier verifier = verifierOf(pair);
        ObjectFrame frame = signed(signer, GROUP, 7, TIMESTAMP, new byte[] {1, 2, 3});
        try {
            assertThat(verifier.verify(TRACK, GROUP, frame)).isEqualTo(Outcome.VALID);
            assertThat(verifier.verify(new TrackName("live/final", "audio"), GROUP, frame)).isEqualTo(Outcome.INVALID);
            assertThat(verifier.verify(new TrackName("live/other", "video"), GROUP, frame)).isEqualTo(Outcome.INVALID);
            assertThat(verifier.verify(TRACK, GROUP ^ 1, frame)).isEqualTo(Outcome.INVALID);
            assertThat(verifier.verify(TRACK, GROUP, 8, TIMESTAMP, frame.signature(), frame.payload()))
                    .isEqualTo(Outcome.INVALID);
            assertThat(verifier.verify(TRACK, GROUP, 7, TIMESTAMP + 1, frame.signature(), frame.payload()))
                    .isEqualTo(Outcome.INVALID);
        } finally {
            frame.release();
        }
    }

    @Test
    void unsignedMalformedAndOtherKeysSignaturesAreToldApart() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ObjectSignature.Verifier verifier = verifierOf(pair);
        ByteBuf payload = alloc.bytes(1, 2, 3);
        ByteBuf shortSignature = alloc.wrap(new byte[63]);
        ObjectFrame unsigned = ObjectFrame.encode(alloc, 0, TIMESTAMP, null, payload);
        ObjectFrame truncated = ObjectFrame.encode(alloc, 0, TIMESTAMP, shortSignature, payload);
        ObjectFrame forged = signed(new ObjectSignature.Signer(other.getPrivate()), GROUP, 0, TIMESTAMP,
                new byte[] {1, 2, 3});
        try {
            assertThat(verifier.verify(TRACK, GROUP, unsigned)).isEqualTo(Outcome.UNSIGNED);
            assertThat(verifier.verify(TRACK, GROUP, truncated)).isEqualTo(Outcome.MALFORMED);
            assertThat(verifier.verify(TRACK, GROUP, forged)).isEqualTo(Outcome.INVALID);
            assertThat(Outcome.INVALID.tag()).isEqualTo("invalid");
            assertThat(Outcome.UNSIGNED.tag()).isEqualTo("unsigned");
        } finally {
            unsigned.release();
            truncated.release();
            forged.release();
            payload.release();
            shortSignature.release();
        }
    }

    private static ObjectSignature.Verifier verifierOf(KeyPair pair) {
        return new ObjectSignature.Verifier(ObjectSignature.rawPublicKey(pair.getPublic()));
    }

    private ObjectFrame signed(ObjectSignature.Signer signer, long group, long sequence, long timestamp,
                               byte[] bytes) {
        ByteBuf payload = alloc.wrap(bytes);
        ByteBuf signature = null;
        try {
            signature = alloc.wrap(signer.sign(TRACK, group, sequence, timestamp, payload));
            return ObjectFrame.encode(alloc, sequence, timestamp, signature, payload);
        } finally {
            payload.release();
            if (signature != null) {
                signature.release();
            }
        }
    }
}
