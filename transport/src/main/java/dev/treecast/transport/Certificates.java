package dev.treecast.transport;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A server identity: private key and certificate chain, plus the SHA-256 of the leaf certificate (what a browser
 * pins with WebTransport's {@code serverCertificateHashes}).
 */
public record Certificates(PrivateKey privateKey, X509Certificate[] chain) {

    /**
     * Browsers accept a pinned certificate hash only for certificates valid at most 14 days (W3C WebTransport,
     * {@code serverCertificateHashes}); stay well inside that.
     */
    public static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(10);

    public X509Certificate leaf() {
        return chain[0];
    }

    /** SHA-256 of the DER-encoded leaf certificate. */
    public byte[] sha256() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(leaf().getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** {@link #sha256()} as lowercase hex. */
    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256());
    }

    /**
     * A fresh self-signed ECDSA P-256 certificate for {@code localhost}, 127.0.0.1 and ::1 (plus {@code hosts}),
     * valid from an hour ago (clock skew) for {@link #SELF_SIGNED_VALIDITY} in total.
     */
    public static Certificates selfSigned(Clock clock, String... hosts) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair keys = generator.generateKeyPair();
            X500Name name = new X500Name("CN=treecast");
            Instant notBefore = clock.instant().minus(Duration.ofHours(1));
            Instant notAfter = notBefore.plus(SELF_SIGNED_VALIDITY);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, new SecureRandom()), Date.from(notBefore), Date.from(notAfter), name,
                    keys.getPublic());
            GeneralName[] names = new GeneralName[3 + hosts.length];
            names[0] = new GeneralName(GeneralName.dNSName, "localhost");
            names[1] = new GeneralName(GeneralName.iPAddress, "127.0.0.1");
            names[2] = new GeneralName(GeneralName.iPAddress, "::1");
            for (int i = 0; i < hosts.length; i++) {
                boolean ip = Character.isDigit(hosts[i].charAt(0)) || hosts[i].contains(":");
                names[3 + i] = new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, hosts[i]);
            }
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            return new Certificates(keys.getPrivate(), new X509Certificate[] {certificate});
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("cannot generate a self-signed certificate", e);
        }
    }

    /** The leaf certificate in DER. */
    public byte[] leafDer() {
        try {
            return leaf().getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
