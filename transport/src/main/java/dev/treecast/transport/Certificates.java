package dev.treecast.transport;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
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
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate a self-signed certificate", e);
        }
    }

    /**
     * Loads a configured identity: a PKCS#12 keystore ({@code .p12}/{@code .pfx}, with {@code password}), or PEM
     * (one file holding the certificate chain and the private key, or the chain in {@code path} and the key in
     * {@code keyPath}). The private key may be PKCS#8 ({@code PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}).
     *
     * @throws IllegalArgumentException with a readable reason when the files do not hold a usable identity
     */
    public static Certificates load(Path path, Path keyPath, char[] password) {
        String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        try {
            if (name.endsWith(".p12") || name.endsWith(".pfx")) {
                return loadPkcs12(path, password);
            }
            return loadPem(path, keyPath == null ? path : keyPath);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load the certificate from " + path + ": " + e.getMessage(), e);
        }
    }

    private static Certificates loadPkcs12(Path path, char[] password) throws IOException, GeneralSecurityException {
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(path)) {
            store.load(in, password);
        }
        for (String alias : java.util.Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                PrivateKey key = (PrivateKey) store.getKey(alias, password);
                java.security.cert.Certificate[] chain = store.getCertificateChain(alias);
                X509Certificate[] x509 = new X509Certificate[chain.length];
                for (int i = 0; i < chain.length; i++) {
                    x509[i] = (X509Certificate) chain[i];
                }
                return new Certificates(key, x509);
            }
        }
        throw new IllegalArgumentException("the keystore " + path + " holds no private key entry");
    }

    private static Certificates loadPem(Path certPath, Path keyPath) throws IOException, GeneralSecurityException {
        java.util.List<X509Certificate> chain = new java.util.ArrayList<>();
        PrivateKey key = null;
        JcaX509CertificateConverter certs = new JcaX509CertificateConverter();
        org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter keys = new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter();
        for (Path p : certPath.equals(keyPath) ? java.util.List.of(certPath) : java.util.List.of(certPath, keyPath)) {
            try (org.bouncycastle.openssl.PEMParser parser = new org.bouncycastle.openssl.PEMParser(
                    java.nio.file.Files.newBufferedReader(p))) {
                for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                    if (o instanceof org.bouncycastle.cert.X509CertificateHolder holder) {
                        chain.add(certs.getCertificate(holder));
                    } else if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) {
                        key = keys.getPrivateKey(info);
                    } else if (o instanceof org.bouncycastle.openssl.PEMKeyPair pair) {
                        key = keys.getPrivateKey(withCurve(pair.getPrivateKeyInfo()));
                    }
                }
            }
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("no CERTIFICATE block in " + certPath);
        }
        if (key == null) {
            throw new IllegalArgumentException("no unencrypted PRIVATE KEY block in " + keyPath);
        }
        return new Certificates(key, chain.toArray(new X509Certificate[0]));
    }

    /**
     * A SEC1 {@code EC PRIVATE KEY} names its curve inside the key structure (RFC 5915 §3), not in the algorithm
     * identifier the JDK reads: move it there.
     */
    private static org.bouncycastle.asn1.pkcs.PrivateKeyInfo withCurve(org.bouncycastle.asn1.pkcs.PrivateKeyInfo info)
            throws IOException {
        if (info.getPrivateKeyAlgorithm().getParameters() != null
                || !org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey.equals(
                        info.getPrivateKeyAlgorithm().getAlgorithm())) {
            return info;
        }
        org.bouncycastle.asn1.sec.ECPrivateKey ec = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
                info.parsePrivateKey());
        if (ec.getParametersObject() == null) {
            throw new IllegalArgumentException("the EC private key names no curve");
        }
        return new org.bouncycastle.asn1.pkcs.PrivateKeyInfo(new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey, ec.getParametersObject()), ec);
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
