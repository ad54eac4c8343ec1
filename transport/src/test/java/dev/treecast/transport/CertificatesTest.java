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
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
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
    void anOpensslMadeSec1KeyAndCertificateInOneFileLoad() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("openssl", "version").start().waitFor() == 0,
                "openssl is not installed");
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString());
        run("openssl", "req", "-new", "-x509", "-key", key.toString(), "-out", cert.toString(), "-days", "7",
                "-subj", "/CN=relay");
        assertThat(Files.readString(key)).contains("-----BEGIN EC PRIVATE KEY-----");
        Path both = dir.resolve("relay.pem");
        Files.writeString(both, Files.readString(cert) + Files.readString(key));
        Certificates loaded = Certificates.load(both, null, null);
        assertThat(loaded.leaf().getSubjectX500Principal().getName()).isEqualTo("CN=relay");
        assertThat(loaded.privateKey().getAlgorithm()).isEqualTo("EC");
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
    }

    @Test
    void separatePemFilesForChainAndPkcs8KeyLoad() throws Exception {
        Certificates original = Certificates.selfSigned(Clock.systemUTC());
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.writeString(cert, pem(original.leaf()));
        Files.writeString(key, pem(new JcaPKCS8Generator(original.privateKey(), null)));
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        Certificates loaded = Certificates.load(cert, key, null);
        assertThat(loaded.sha256Hex()).isEqualTo(original.sha256Hex());
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(original.privateKey().getEncoded());
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
