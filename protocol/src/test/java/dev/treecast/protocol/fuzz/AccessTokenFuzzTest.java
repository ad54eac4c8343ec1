package dev.treecast.protocol.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.treecast.protocol.auth.AccessToken;

/**
 * Access tokens from the network (a CONNECT's {@code ?token=}, SETUP's token field) against any bytes:
 * {@link AccessToken.Verifier#verify} never throws, it admits or refuses with a typed failure; a token it admits was
 * signed by the operator (the fuzzer cannot forge one); and claims that decode re-encode to the same bytes. The
 * fuzzer's bytes are tried three ways: as the token text, as the claims of an unsigned token, and as claims the
 * operator signed (so the claims decoder and the scope checks see everything a real signer could produce).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AccessTokenFuzzTest {
    private static final KeyPair OPERATOR = operator();
    private static final long NOW = 1_800_000_000L;

    private static KeyPair operator() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] raw(KeyPair pair) {
        byte[] x509 = pair.getPublic().getEncoded();
        return java.util.Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    }

    @FuzzTest
    void verify(byte[] input) {
        AccessToken.Verifier verifier = new AccessToken.Verifier(raw(OPERATOR));
        String text = new String(input, StandardCharsets.UTF_8);
        AccessToken.Check asText = verifier.verify(text, NOW);
        assertThat(asText.ok()).as("a token nobody signed was admitted: %s", text).isFalse();
        assertThat(asText.failure()).isNotNull();

        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String unsigned = AccessToken.PREFIX + b64.encodeToString(input) + "." + b64.encodeToString(new byte[64]);
        assertThat(verifier.verify(unsigned, NOW).ok()).isFalse();

        AccessToken claims;
        try {
            claims = AccessToken.decodeClaims(input);
        } catch (IllegalArgumentException e) {
            return; // not claims: the verifier refuses such a token as MALFORMED (checked above for any bytes)
        }
        assertThat(claims.claims()).isEqualTo(input);
        String signed = claims.sign(OPERATOR.getPrivate());
        AccessToken.Check check = verifier.verify(signed, NOW);
        if (check.ok()) {
            assertThat(check.token()).isEqualTo(claims);
            AccessToken.Check scoped = verifier.verify(signed, NOW, claims.role(), claims.broadcast(),
                    claims.region());
            assertThat(scoped.failure()).as("its own scope").isNull();
        } else {
            assertThat(check.failure()).isNotNull();
        }
    }
}
