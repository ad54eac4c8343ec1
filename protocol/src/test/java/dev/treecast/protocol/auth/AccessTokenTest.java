package dev.treecast.protocol.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.auth.AccessToken.Check;
import dev.treecast.protocol.auth.AccessToken.Failure;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.data.ObjectSignature;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessTokenTest {
    private static final HexFormat HEX = HexFormat.of();
    /** RFC 8032 §7.1, TEST 1: the secret key (seed) and its public key. */
    private static final String RFC8032_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    private static final byte[] RFC8032_PUBLIC =
            HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    private static final long EXPIRES = 1_800_000_000L;
    private static final AccessToken VIEWER = AccessToken.viewer("live/final", "eu-west", EXPIRES, "t-42");
    /**
     * {@link #VIEWER} signed with the RFC 8032 key, as computed independently (Python's {@code cryptography}, from the
     * claims bytes below): Ed25519 is deterministic, so the text of a token is fixed by its claims and its key.
     */
    private static final String VIEWER_TEXT = "tc1.AQDAAAAAa0nSAApsaXZlL2ZpbmFsB2V1LXdlc3QEdC00Mg."
            + "i41a5Y9qbAHQdnP8JpmddvTY-5bjClDF7qi5X3krI7F5rLpPqHvzhxdR_6rB-XJ9Qcp5Y4O186vjEdnDzkykDA";
    private static final String RELAY_TEXT = "tc1.AQHAAAAAa0nSAAAAAA."
            + "Uk2BKQUFN5pl6L9p8P2CfTCjMGUgYj6D8E5ZCcSSanMMYwZDOz3fZUpdFeE52vQZ_Z8S_EPzLOB2O3CbfDm1DQ";

    private final AccessToken.Verifier verifier = new AccessToken.Verifier(RFC8032_PUBLIC);

    private static PrivateKey rfc8032Key() throws Exception {
        // PKCS#8 (RFC 8410 §7) of an Ed25519 seed: a fixed 16-byte header, then the 32 seed bytes.
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(
                HEX.parseHex("302e020100300506032b657004220420" + RFC8032_SEED)));
    }

    @Test
    void theClaimsAreAFixedBinaryEncoding() {
        assertThat(HEX.formatHex(VIEWER.claims())).isEqualTo(""
                // format 1 | role VIEWER (0) | expires 1800000000 (8-byte varint)
                + "01" + "00" + "c00000006b49d200"
                // broadcast: length 10 | "live/final"; region: length 7 | "eu-west"; id: length 4 | "t-42"
                + "0a6c6976652f66696e616c" + "0765752d77657374" + "04742d3432");
        // a relay token: role RELAY (1), no broadcast, any region, no id
        assertThat(HEX.formatHex(AccessToken.relay(EXPIRES, "").claims()))
                .isEqualTo("01" + "01" + "c00000006b49d200" + "00" + "00" + "00");
        assertThat(AccessToken.decodeClaims(VIEWER.claims())).isEqualTo(VIEWER);
    }

    @Test
    void theSigningInputIsTheDomainThenTheClaims() {
        byte[] claims = {0x01, 0x02};
        assertThat(HEX.formatHex(AccessToken.signingInput(claims)))
                // "treecast/1 token" (16 ASCII bytes) | claims
                .isEqualTo("74726565636173742f3120746f6b656e" + "0102");
    }

    @Test
    void aTokenSignedWithTheRfc8032KeyHasAFixedText() throws Exception {
        assertThat(VIEWER.sign(rfc8032Key())).isEqualTo(VIEWER_TEXT);
        assertThat(AccessToken.relay(EXPIRES, null).sign(rfc8032Key())).isEqualTo(RELAY_TEXT);
        Check check = verifier.verify(VIEWER_TEXT, EXPIRES - 1, Role.VIEWER, "live/final", "eu-west");
        assertThat(check.ok()).as(check.reason()).isTrue();
        assertThat(check.token()).isEqualTo(VIEWER);
        assertThat(verifier.verify(RELAY_TEXT, EXPIRES - 1, Role.RELAY, null, "anywhere").token())
                .isEqualTo(AccessToken.relay(EXPIRES, ""));
    }

    @Test
    void aTokenIsValidUntilTheSecondItExpires() {
        assertThat(verifier.verify(VIEWER_TEXT, 0).ok()).isTrue();
        assertThat(verifier.verify(VIEWER_TEXT, EXPIRES - 1).ok()).isTrue();
        Check expired = verifier.verify(VIEWER_TEXT, EXPIRES);
        assertThat(expired.failure()).isEqualTo(Failure.EXPIRED);
        assertThat(expired.reason()).isEqualTo("the token expired 0 s ago");
        assertThat(verifier.verify(VIEWER_TEXT, EXPIRES + 3600).reason()).isEqualTo("the token expired 3600 s ago");
    }

    @Test
    void everyBitFlipAnywhereInTheTokenIsRefused() {
        byte[] text = VIEWER_TEXT.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int refused = 0;
        for (int i = 0; i < text.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] flipped = text.clone();
                flipped[i] ^= (byte) (1 << bit);
                Check check = verifier.verify(new String(flipped, java.nio.charset.StandardCharsets.ISO_8859_1),
                        EXPIRES - 1);
                assertThat(check.ok()).as("bit %d of character %d", bit, i).isFalse();
                assertThat(check.failure()).isIn(Failure.MALFORMED, Failure.BAD_SIGNATURE);
                refused++;
            }
        }
        assertThat(refused).isEqualTo(8 * VIEWER_TEXT.length());
    }

    @Test
    void everyBitFlipOfTheClaimsOrTheSignatureBytesIsABadSignature() {
        byte[] claims = VIEWER.claims();
        String sig = VIEWER_TEXT.substring(VIEWER_TEXT.lastIndexOf('.') + 1);
        byte[] signature = Base64.getUrlDecoder().decode(sig);
        for (int i = 0; i < claims.length * 8; i++) {
            byte[] altered = claims.clone();
            altered[i / 8] ^= (byte) (1 << (i % 8));
            assertThat(verifier.verify(text(altered, signature), EXPIRES - 1).failure()).as("claims bit %d", i)
                    .isEqualTo(Failure.BAD_SIGNATURE);
        }
        for (int i = 0; i < signature.length * 8; i++) {
            byte[] altered = signature.clone();
            altered[i / 8] ^= (byte) (1 << (i % 8));
            assertThat(verifier.verify(text(claims, altered), EXPIRES - 1).failure()).as("signature bit %d", i)
                    .isEqualTo(Failure.BAD_SIGNATURE);
        }
    }

    private static String text(byte[] claims, byte[] signature) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return AccessToken.PREFIX + b64.encodeToString(claims) + "." + b64.encodeToString(signature);
    }

    @Test
    void aTokenSignedWithAnotherKeyIsABadSignatureWhateverItClaims() throws Exception {
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String forged = AccessToken.viewer("live/final", null, Long.MAX_VALUE >> 2, "").sign(other.getPrivate());
        Check check = verifier.verify(forged, 0, Role.VIEWER, "live/final", null);
        assertThat(check.failure()).isEqualTo(Failure.BAD_SIGNATURE);
        assertThat(check.failure().code()).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(check.failure().httpStatus()).isEqualTo(401);
        assertThat(new AccessToken.Verifier(ObjectSignature.rawPublicKey(other.getPublic())).verify(forged, 0).ok())
                .isTrue();
    }

    @Test
    void anObjectSignatureCannotPassAsATokenSignature() throws Exception {
        // The same key signing the claims bytes as something else than a token (no domain prefix): refused.
        java.security.Signature signer = java.security.Signature.getInstance("Ed25519");
        signer.initSign(rfc8032Key());
        signer.update(VIEWER.claims());
        assertThat(verifier.verify(text(VIEWER.claims(), signer.sign()), 0).failure())
                .isEqualTo(Failure.BAD_SIGNATURE);
    }

    @Test
    void theScopeIsCheckedAfterTheSignatureAndTheExpiry() {
        long now = EXPIRES - 1;
        Check foreign = verifier.verify(VIEWER_TEXT, now, Role.VIEWER, "live/other", "eu-west");
        assertThat(foreign.failure()).isEqualTo(Failure.WRONG_BROADCAST);
        assertThat(foreign.reason()).isEqualTo("the token is for broadcast 'live/final', not 'live/other'");
        assertThat(foreign.failure().code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(foreign.failure().httpStatus()).isEqualTo(403);
        Check region = verifier.verify(VIEWER_TEXT, now, Role.VIEWER, "live/final", "us-east");
        assertThat(region.failure()).isEqualTo(Failure.WRONG_REGION);
        assertThat(verifier.verify(VIEWER_TEXT, now, Role.VIEWER, "live/final", "").failure())
                .as("a region-scoped token at a relay with no region").isEqualTo(Failure.WRONG_REGION);
        assertThat(verifier.verify(VIEWER_TEXT, now, Role.VIEWER, null, null).ok())
                .as("broadcast and region not known yet").isTrue();
        Check role = verifier.verify(VIEWER_TEXT, now, Role.RELAY, null, null);
        assertThat(role.failure()).isEqualTo(Failure.WRONG_ROLE);
        assertThat(role.reason()).isEqualTo("a viewer token where a relay token is needed");
        assertThat(verifier.verify(RELAY_TEXT, now, Role.VIEWER, "live/final", null).failure())
                .isEqualTo(Failure.WRONG_ROLE);
        // an expired token for another broadcast says expired: the scope of a token that is no good is not looked at
        assertThat(verifier.verify(VIEWER_TEXT, EXPIRES, Role.VIEWER, "live/other", null).failure())
                .isEqualTo(Failure.EXPIRED);
        assertThat(Failure.EXPIRED.code()).isEqualTo(ErrorCode.TOKEN_EXPIRED);
        assertThat(Failure.EXPIRED.httpStatus()).isEqualTo(403);
    }

    @Test
    void whatIsNotATokenIsMissingOrMalformed() {
        assertThat(verifier.verify(null, 0).failure()).isEqualTo(Failure.MISSING);
        assertThat(verifier.verify("", 0).failure()).isEqualTo(Failure.MISSING);
        String claims = VIEWER_TEXT.substring(0, VIEWER_TEXT.lastIndexOf('.'));
        String sig = VIEWER_TEXT.substring(VIEWER_TEXT.lastIndexOf('.') + 1);
        for (String bad : new String[] {"tc2." + VIEWER_TEXT.substring(4), VIEWER_TEXT.substring(4), claims,
                claims + "." + sig + ".x", claims + "." + sig + "==", claims + "." + sig.substring(1),
                "tc1.." + sig, claims + ".", claims + "." + sig.replace('-', '+'), "tc1.!!!." + sig,
                VIEWER_TEXT + "A".repeat(AccessToken.MAX_LENGTH)}) {
            assertThat(verifier.verify(bad, 0).failure()).as(bad).isEqualTo(Failure.MALFORMED);
        }
        assertThat(verifier.verify("x".repeat(AccessToken.MAX_LENGTH + 1), 0).reason())
                .isEqualTo("the token is 1025 characters, the limit is 1024");
    }

    @Test
    void aNonCanonicalBase64EncodingOfTheSameBytesIsRefused() {
        // 64 signature bytes are 86 characters whose last carries 4 unused bits: setting one decodes to the same
        // bytes, but a token has one spelling only.
        String sig = VIEWER_TEXT.substring(VIEWER_TEXT.lastIndexOf('.') + 1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char last = sig.charAt(sig.length() - 1);
        char sameBytes = alphabet.charAt(alphabet.indexOf(last) | 1);
        assertThat(sameBytes).isNotEqualTo(last);
        String respelled = VIEWER_TEXT.substring(0, VIEWER_TEXT.length() - 1) + sameBytes;
        assertThat(Base64.getUrlDecoder().decode(respelled.substring(respelled.lastIndexOf('.') + 1)))
                .isEqualTo(Base64.getUrlDecoder().decode(sig));
        assertThat(verifier.verify(respelled, 0).failure()).isEqualTo(Failure.MALFORMED);
    }

    @Test
    void theLargestTokenFitsTheLimit() throws Exception {
        AccessToken largest = new AccessToken(Role.VIEWER, "b".repeat(256), "r".repeat(AccessToken.MAX_REGION),
                (1L << 62) - 1, "\u20ac".repeat(AccessToken.MAX_ID / 3));
        String text = largest.sign(rfc8032Key());
        assertThat(text.length()).isLessThanOrEqualTo(AccessToken.MAX_LENGTH);
        assertThat(verifier.verify(text, 0).token()).isEqualTo(largest);
    }

    @Test
    void invalidClaimsCannotBeMade() {
        assertThatIllegalArgumentException().isThrownBy(() -> AccessToken.viewer("", null, 1, null));
        assertThatIllegalArgumentException().isThrownBy(() -> AccessToken.viewer("has space", null, 1, null));
        assertThatIllegalArgumentException().isThrownBy(() -> new AccessToken(Role.RELAY, "b", "", 1, ""));
        assertThatIllegalArgumentException().isThrownBy(() -> new AccessToken(Role.RELAY, "", "eu", 1, ""));
        assertThatIllegalArgumentException().isThrownBy(() -> AccessToken.viewer("b", "r".repeat(65), 1, ""));
        assertThatIllegalArgumentException().isThrownBy(() -> AccessToken.relay(-1, ""));
        assertThatIllegalArgumentException().isThrownBy(() -> AccessToken.relay(1, "i".repeat(65)));
        assertThatIllegalArgumentException().isThrownBy(() -> new AccessToken(null, "b", "", 1, ""));
        assertThatIllegalArgumentException().isThrownBy(() -> AccessToken.decodeClaims(new byte[0]));
        byte[] trailing = java.util.Arrays.copyOf(VIEWER.claims(), VIEWER.claims().length + 1);
        assertThatIllegalArgumentException().isThrownBy(() -> AccessToken.decodeClaims(trailing));
    }

    @Test
    void aTokenPrintsItsClaimsNeverItsText() {
        assertThat(VIEWER.toString()).isEqualTo("viewer token for 'live/final' in region 'eu-west' until 1800000000"
                + " (id 't-42')");
        assertThat(AccessToken.relay(5, "").toString()).isEqualTo("relay token until 5");
    }
}
