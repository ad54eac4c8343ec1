package dev.treecast.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Set;

import dev.treecast.protocol.data.ObjectSignature;

/**
 * The ingest's Ed25519 signing key: made, written and read as PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}, what
 * {@code openssl genpkey -algorithm ed25519} writes too), and its public key as relays and players are given it
 * (base64 of the 32 raw bytes).
 */
public final class SigningKeys {
    private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String END = "-----END PRIVATE KEY-----";

    private SigningKeys() {
    }

    /** A key read from a file, or made and written there because the file did not exist. */
    public record Loaded(KeyPair pair, Path file, boolean created) {
    }

    /** A fresh key pair. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ObjectSignature.ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
    }

    /** Base64 of the 32 raw bytes of the public key: what {@code --broadcast-key} and the player take. */
    public static String publicKeyBase64(KeyPair pair) {
        return Base64.getEncoder().encodeToString(ObjectSignature.rawPublicKey(pair.getPublic()));
    }

    /** The private key as PKCS#8 PEM. */
    public static String toPem(PrivateKey key) {
        return BEGIN + "\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded()) + "\n"
                + END + "\n";
    }

    /**
     * Reads a PKCS#8 PEM Ed25519 private key and derives its public key.
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static KeyPair fromPem(String pem) {
        int begin = pem.indexOf(BEGIN);
        int end = pem.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("not a PKCS#8 PEM private key (" + BEGIN + " ... " + END + ")");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the PEM private key is not valid base64: " + e.getMessage(), e);
        }
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(ObjectSignature.ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + e.getMessage(), e);
        }
        return withPublicKey(key);
    }

    /**
     * The key pair of an Ed25519 private key. The JCA offers no public-key derivation, but its key pair generator
     * draws exactly the 32-byte seed from its random source (RFC 8032 §5.1.5): given the seed, it derives the same
     * public key. A signature made and checked below confirms the pair.
     */
    static KeyPair withPublicKey(PrivateKey key) {
        if (!(key instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + key.getAlgorithm());
        }
        byte[] seed = ed.getBytes().get();
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(ObjectSignature.ALGORITHM);
            generator.initialize(NamedParameterSpec.ED25519, new SeedRandom(seed));
            KeyPair pair = new KeyPair(generator.generateKeyPair().getPublic(), key);
            byte[] probe = "treecast signing key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(ObjectSignature.ALGORITHM);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(ObjectSignature.ALGORITHM);
            verifier.initVerify(pair.getPublic());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IllegalStateException("could not derive the public key of the signing key");
            }
            return pair;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a usable Ed25519 private key: " + e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(seed, (byte) 0);
        }
    }

    /** Reads the key in {@code file}. */
    public static KeyPair load(Path file) {
        try {
            return fromPem(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the signing key " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the key in {@code file}, or, when there is no such file, makes one and writes it there (readable by its
     * owner only, where the file system allows).
     */
    public static Loaded loadOrCreate(Path file) {
        if (Files.exists(file)) {
            return new Loaded(load(file), file, false);
        }
        KeyPair pair = generate();
        byte[] pem = toPem(pair.getPrivate()).getBytes(StandardCharsets.US_ASCII);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(Set.of(
                        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE)));
            } else {
                Files.createFile(file);
            }
            Files.write(file, pem, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (FileAlreadyExistsException e) {
            return new Loaded(load(file), file, false); // another process made it meanwhile
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the signing key " + file + ": " + e.getMessage(), e);
        }
        return new Loaded(pair, file, true);
    }

    /** Hands the key pair generator the seed instead of random bytes. */
    private static final class SeedRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final transient byte[] seed;

        SeedRandom(byte[] seed) {
            this.seed = seed;
        }

        @Override
        public void nextBytes(byte[] bytes) {
            if (bytes.length != seed.length) {
                throw new IllegalStateException("the key pair generator asked for " + bytes.length + " bytes, not the"
                        + " 32-byte seed");
            }
            System.arraycopy(seed, 0, bytes, 0, bytes.length);
        }
    }
}
