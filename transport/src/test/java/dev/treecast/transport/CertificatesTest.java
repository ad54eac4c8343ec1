package dev.treecast.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class CertificatesTest {
    @TempDir
    Path dir;

    @Test
    void aSelfSignedCertificateIsEcdsaP256AndValidForLessThanFourteenDays() {
        Certificates c = Certificates.selfSigned(Clock.systemUTC());
        assertThat(c.leaf().getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(c.leaf().getSigAlgName()).isEqualTo("SHA256withECDSA");
        Duration validity = Duration.between(c.leaf().getNotBefore().toInstant(), c.leaf().getNotAfter().toInstant());
        assertThat(validity).isLessThan(Duration.ofDays(14));
        assertThat(c.sha256Hex()).hasSize(64).matches("[0-9a-f]+");
    }

    private static String pem(Object... objects) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                writer.writeObject(o);
            }
        }
        return out.toString();
    }

    @Test
    void aPemFileWithChainAndKeyLoadsToTheSameIdentity() throws Exception {
        Certificates original = Certificates.selfSigned(Clock.systemUTC());
        Path file = dir.resolve("relay.pem");
        Files.writeString(file, pem(original.leaf(), original.privateKey()));
        Certificates loaded = Certificates.load(file, null, null);
        assertThat(loaded.sha256Hex()).isEqualTo(original.sha256Hex());
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(original.privateKey().getEncoded());
    }

    @Test
    void separatePemFilesForChainAndKeyLoad() throws Exception {
        Certificates original = Certificates.selfSigned(Clock.systemUTC());
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.writeString(cert, pem(original.leaf()));
        Files.writeString(key, pem(original.privateKey()));
        assertThat(Certificates.load(cert, key, null).sha256Hex()).isEqualTo(original.sha256Hex());
    }

    @Test
    void aPkcs12KeystoreLoadsWithItsPassword() throws Exception {
        Certificates original = Certificates.selfSigned(Clock.systemUTC());
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("relay", original.privateKey(), "secret".toCharArray(), original.chain());
        Path file = dir.resolve("relay.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, "secret".toCharArray());
        }
        assertThat(Certificates.load(file, null, "secret".toCharArray()).sha256Hex())
                .isEqualTo(original.sha256Hex());
    }

    @Test
    void filesWithoutAKeyOrCertificateAreRefusedWithTheReason() throws Exception {
        Certificates original = Certificates.selfSigned(Clock.systemUTC());
        Path certOnly = dir.resolve("cert-only.pem");
        Files.writeString(certOnly, pem(original.leaf()));
        assertThatThrownBy(() -> Certificates.load(certOnly, null, null)).hasMessageContaining("PRIVATE KEY");
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "hello\n");
        assertThatThrownBy(() -> Certificates.load(garbage, null, null)).hasMessageContaining("no CERTIFICATE");
    }
}
