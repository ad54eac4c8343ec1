package dev.treecast.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The ingest's signing key in a PKCS#8 PEM file: made on first start, the same key on every start after. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SigningKeysTest {
    /** RFC 8032 §7.1 TEST 1's secret key as PKCS#8 PEM, as {@code openssl pkey} writes it. */
    private static final String RFC8032_PEM = """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
            -----END PRIVATE KEY-----
            """;
    /** Its public key, base64 of d75a9801...07511a. */
    private static final String RFC8032_PUBLIC = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    @Test
    void aPemPrivateKeyYieldsItsPublicKey() {
        KeyPair pair = SigningKeys.fromPem(RFC8032_PEM);
        assertThat(SigningKeys.publicKeyBase64(pair)).isEqualTo(RFC8032_PUBLIC);
        assertThat(SigningKeys.toPem(pair.getPrivate())).isEqualTo(RFC8032_PEM);
    }

    @Test
    void theFileIsMadeOnFirstStartReadableByItsOwnerOnlyAndReadBackAfter(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys").resolve("ingest.pem");
        SigningKeys.Loaded first = SigningKeys.loadOrCreate(file);
        assertThat(first.created()).isTrue();
        assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----\n");
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        SigningKeys.Loaded again = SigningKeys.loadOrCreate(file);
        assertThat(again.created()).isFalse();
        assertThat(SigningKeys.publicKeyBase64(again.pair())).isEqualTo(SigningKeys.publicKeyBase64(first.pair()));
        assertThat(again.pair().getPrivate().getEncoded()).isEqualTo(first.pair().getPrivate().getEncoded());
    }

    @Test
    void somethingElseIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        assertThatIllegalArgumentException().isThrownBy(() -> SigningKeys.fromPem("hello"))
                .withMessageContaining("PKCS#8 PEM");
        // An EC key in the right envelope is still not an Ed25519 key.
        String ec = SigningKeys.toPem(java.security.KeyPairGenerator.getInstance("EC").generateKeyPair()
                .getPrivate());
        Path file = Files.writeString(dir.resolve("ec.pem"), ec);
        assertThatIllegalArgumentException().isThrownBy(() -> SigningKeys.load(file))
                .withMessageContaining("ec.pem").withMessageContaining("Ed25519");
    }
}
