package dev.treecast.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Arrays;
import java.util.Base64;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Strings;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.Varint;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.data.ObjectSignature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * An access token: what a relay (a fleet credential) or a viewer (a ticket for one broadcast, optionally one region)
 * presents, signed with the operator's Ed25519 key, valid until {@code expires} (epoch seconds, exclusive).
 *
 * <p>Text form: {@code tc1.<base64url(claims)>.<base64url(signature)>}, base64url without padding (RFC 4648 §5), in
 * canonical form only, at most {@link #MAX_LENGTH} characters; so it travels unescaped in a URL query and in
 * {@code SETUP}. The claims are a fixed binary encoding:
 *
 * <pre>
 *   format                   1 byte, 0x01
 *   role                     varint: 0 viewer, 1 relay (as in SETUP)
 *   expires                  varint, epoch seconds; the token is valid while now &lt; expires
 *   broadcast                varint byte length | UTF-8; a viewer's broadcast, "" for a relay (any broadcast)
 *   region                   varint byte length | UTF-8; "" for any region
 *   id                       varint byte length | UTF-8; free text for logs and revocation lists, "" for none
 * </pre>
 *
 * The signature is Ed25519 (RFC 8032) over {@code "treecast/1 token" | claims}: the domain prefix means no object
 * signature (signed over {@code "treecast/1 object" | ...}) can ever pass as a token, even if one key signed both.
 *
 * <p>Checking goes from the outside in, and stops at the first failure: the shape ({@link Failure#MALFORMED}), the
 * signature ({@link Failure#BAD_SIGNATURE}: tampered, forged or signed by another key; the claims of such a token are
 * not looked at), the expiry, then the scope (role, broadcast, region). Pure: no I/O, the clock is passed in.
 *
 * @param role      who may use it
 * @param broadcast the one broadcast a viewer token admits to; "" in a relay token (a fleet credential admits to the
 *                  whole fleet)
 * @param region    a viewer token's region: only relays of that region accept it; "" for any (and in a relay token)
 * @param expires   epoch seconds from which it is refused
 * @param id        free text naming the token (e.g. who it was given to), "" for none
 */
public record AccessToken(Role role, String broadcast, String region, long expires, String id) {
    /** The text form's prefix; the {@code 1} is the format version. */
    public static final String PREFIX = "tc1.";
    /** The longest token accepted, in characters (the claims' limits keep a real one under 700). */
    public static final int MAX_LENGTH = 1024;
    /** The domain-separation prefix of every signing input. */
    public static final String DOMAIN = "treecast/1 token";
    public static final int MAX_REGION = 64;
    public static final int MAX_ID = 64;
    private static final int FORMAT = 0x01;
    private static final byte[] DOMAIN_BYTES = DOMAIN.getBytes(StandardCharsets.US_ASCII);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getUrlDecoder();

    /** Why a token was refused; {@link #tag()} is the metric tag, {@link #code()} the wire error code. */
    public enum Failure {
        /** No token where one is required. */
        MISSING("missing", ErrorCode.UNAUTHORIZED, 401),
        /** Not a token: wrong prefix, not canonical base64url, too long, claims that do not decode. */
        MALFORMED("malformed", ErrorCode.UNAUTHORIZED, 401),
        /** The signature does not hold: the token was altered, forged, or signed with another key. */
        BAD_SIGNATURE("bad-signature", ErrorCode.UNAUTHORIZED, 401),
        EXPIRED("expired", ErrorCode.TOKEN_EXPIRED, 403),
        /** A viewer token for another broadcast. */
        WRONG_BROADCAST("wrong-broadcast", ErrorCode.FORBIDDEN, 403),
        /** A token for another region than the relay's. */
        WRONG_REGION("wrong-region", ErrorCode.FORBIDDEN, 403),
        /** A viewer token where a relay token is needed, or the other way round. */
        WRONG_ROLE("wrong-role", ErrorCode.FORBIDDEN, 403);

        private final String tag;
        private final ErrorCode code;
        private final int httpStatus;

        Failure(String tag, ErrorCode code, int httpStatus) {
            this.tag = tag;
            this.code = code;
            this.httpStatus = httpStatus;
        }

        public String tag() {
            return tag;
        }

        /**
         * The wire code: {@link ErrorCode#UNAUTHORIZED} when there is no valid token (get one),
         * {@link ErrorCode#TOKEN_EXPIRED} (get a fresh one), {@link ErrorCode#FORBIDDEN} (this token does not admit
         * here: another does not help).
         */
        public ErrorCode code() {
            return code;
        }

        /** What a refused WebTransport CONNECT is answered with: 401 without a valid token, 403 with one. */
        public int httpStatus() {
            return httpStatus;
        }
    }

    /**
     * What checking a token found: the token when it admits, else the failure and a reason for logs and the peer
     * (which never repeats the token itself).
     */
    public record Check(AccessToken token, Failure failure, String reason) {
        /** Admitted; {@code token} is null when admitted without one (where none is required). */
        public static Check ok(AccessToken token) {
            return new Check(token, null, "");
        }

        public static Check refused(Failure failure, String reason) {
            return new Check(null, failure, reason);
        }

        public boolean ok() {
            return failure == null;
        }
    }

    public AccessToken {
        if (role == null) {
            throw new IllegalArgumentException("role must not be null");
        }
        broadcast = broadcast == null ? "" : broadcast;
        region = region == null ? "" : region;
        id = id == null ? "" : id;
        if (role == Role.VIEWER && !TrackName.isValidName(broadcast, TrackName.MAX_BROADCAST)) {
            throw new IllegalArgumentException("a viewer token names one broadcast (1.." + TrackName.MAX_BROADCAST
                    + " printable ASCII characters): '" + broadcast + "'");
        }
        if (role == Role.RELAY && !(broadcast.isEmpty() && region.isEmpty())) {
            throw new IllegalArgumentException("a relay token admits to the whole fleet: it names no broadcast and no"
                    + " region");
        }
        if (!region.isEmpty() && !TrackName.isValidName(region, MAX_REGION)) {
            throw new IllegalArgumentException("region must be 1.." + MAX_REGION
                    + " printable ASCII characters: '" + region + "'");
        }
        Strings.checkLength(id, "token id", MAX_ID);
        if (expires < 0 || expires > Varint.MAX) {
            throw new IllegalArgumentException("expires must be epoch seconds >= 0: " + expires);
        }
    }

    /** A viewer token for {@code broadcast} ({@code region} null or "" for any), valid until {@code expires}. */
    public static AccessToken viewer(String broadcast, String region, long expires, String id) {
        return new AccessToken(Role.VIEWER, broadcast, region, expires, id);
    }

    /** A relay (fleet) token, valid until {@code expires}. */
    public static AccessToken relay(long expires, String id) {
        return new AccessToken(Role.RELAY, "", "", expires, id);
    }

    /** The claims as signed (see the class comment). */
    public byte[] claims() {
        ByteBuf out = Unpooled.buffer(64 + broadcast.length() + region.length() + 3 * id.length());
        out.writeByte(FORMAT);
        Varint.write(out, role.wire());
        Varint.write(out, expires);
        Strings.write(out, broadcast);
        Strings.write(out, region);
        Strings.write(out, id);
        return Arrays.copyOf(out.array(), out.writerIndex());
    }

    /**
     * The claims encoded by {@link #claims()}.
     *
     * @throws IllegalArgumentException if they are not exactly that
     */
    public static AccessToken decodeClaims(byte[] claims) {
        ByteBuf in = Unpooled.wrappedBuffer(claims);
        try {
            if (!in.isReadable() || in.readUnsignedByte() != FORMAT) {
                throw new IllegalArgumentException("unknown claims format");
            }
            long roleWire = Varint.read(in, "role");
            Role role = null;
            for (Role r : Role.values()) {
                if (r.wire() == roleWire) {
                    role = r;
                }
            }
            if (role == null) {
                throw new IllegalArgumentException("unknown role " + roleWire);
            }
            long expires = Varint.read(in, "expires");
            String broadcast = Strings.read(in, "broadcast", TrackName.MAX_BROADCAST);
            String region = Strings.read(in, "region", MAX_REGION);
            String id = Strings.read(in, "id", MAX_ID);
            if (in.isReadable()) {
                throw new IllegalArgumentException(in.readableBytes() + " bytes after the claims");
            }
            return new AccessToken(role, broadcast, region, expires, id);
        } catch (ProtocolException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The exact bytes signed: {@link #DOMAIN} then the claims. */
    public static byte[] signingInput(byte[] claims) {
        byte[] input = Arrays.copyOf(DOMAIN_BYTES, DOMAIN_BYTES.length + claims.length);
        System.arraycopy(claims, 0, input, DOMAIN_BYTES.length, claims.length);
        return input;
    }

    /** The text form of this token signed with the operator's private key. */
    public String sign(PrivateKey operatorKey) {
        byte[] claims = claims();
        byte[] signature;
        try {
            Signature signer = Signature.getInstance(ObjectSignature.ALGORITHM);
            signer.initSign(operatorKey);
            signer.update(signingInput(claims));
            signature = signer.sign();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + e.getMessage(), e);
        } catch (SignatureException e) {
            throw new IllegalStateException("signing failed", e);
        }
        return PREFIX + B64.encodeToString(claims) + "." + B64.encodeToString(signature);
    }

    /**
     * Whether this (already verified) token admits {@code role}: to {@code broadcast} (null: not known yet, e.g.
     * before a viewer subscribes; relay tokens admit to any), at a relay in {@code region} (null: do not check).
     */
    public Check admits(Role wanted, String wantedBroadcast, String relayRegion) {
        if (role != wanted) {
            return Check.refused(Failure.WRONG_ROLE, "a " + name(role) + " token where a " + name(wanted)
                    + " token is needed");
        }
        if (role == Role.VIEWER && wantedBroadcast != null && !broadcast.equals(wantedBroadcast)) {
            return Check.refused(Failure.WRONG_BROADCAST, "the token is for broadcast '" + broadcast + "', not '"
                    + wantedBroadcast + "'");
        }
        if (!region.isEmpty() && relayRegion != null && !region.equals(relayRegion)) {
            return Check.refused(Failure.WRONG_REGION, "the token is for region '" + region + "', this relay is in "
                    + (relayRegion.isEmpty() ? "no region" : "'" + relayRegion + "'"));
        }
        return Check.ok(this);
    }

    private static String name(Role role) {
        return role == Role.RELAY ? "relay" : "viewer";
    }

    /** Shows the claims; the token's text never appears in logs (it is a bearer credential). */
    @Override
    public String toString() {
        return name(role) + " token" + (broadcast.isEmpty() ? "" : " for '" + broadcast + "'")
                + (region.isEmpty() ? "" : " in region '" + region + "'") + " until " + expires
                + (id.isEmpty() ? "" : " (id '" + id + "')");
    }

    /**
     * Checks tokens against the operator's public key. Keeps its JCA state and is not thread-safe: one per owner
     * thread.
     */
    public static final class Verifier {
        private final byte[] rawKey;
        private final PublicKey key;
        private final Signature signature;

        /** @param rawPublicKey the operator's raw Ed25519 public key (32 bytes) */
        public Verifier(byte[] rawPublicKey) {
            this.key = ObjectSignature.publicKey(rawPublicKey);
            this.rawKey = rawPublicKey.clone();
            try {
                this.signature = Signature.getInstance(ObjectSignature.ALGORITHM);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JDK has no Ed25519", e);
            }
        }

        public byte[] publicKey() {
            return rawKey.clone();
        }

        /**
         * Checks the token's shape, signature and expiry at {@code nowSeconds} (epoch seconds), not its scope (see
         * {@link #verify(String, long, Role, String, String)}). {@code text} null or "" is {@link Failure#MISSING}.
         */
        public Check verify(String text, long nowSeconds) {
            if (text == null || text.isEmpty()) {
                return Check.refused(Failure.MISSING, "no token");
            }
            if (text.length() > MAX_LENGTH) {
                return Check.refused(Failure.MALFORMED, "the token is " + text.length() + " characters, the limit is "
                        + MAX_LENGTH);
            }
            if (!text.startsWith(PREFIX)) {
                return Check.refused(Failure.MALFORMED, "not a treecast token (they start with '" + PREFIX + "')");
            }
            int dot = text.indexOf('.', PREFIX.length());
            if (dot < 0 || text.indexOf('.', dot + 1) >= 0) {
                return Check.refused(Failure.MALFORMED, "a token is " + PREFIX + "<claims>.<signature>");
            }
            byte[] claims = canonicalBase64(text.substring(PREFIX.length(), dot));
            byte[] sig = canonicalBase64(text.substring(dot + 1));
            if (claims == null || sig == null || claims.length == 0) {
                return Check.refused(Failure.MALFORMED, "the token is not canonical base64url");
            }
            if (sig.length != ObjectSignature.SIGNATURE_LENGTH) {
                return Check.refused(Failure.MALFORMED, "the token's signature is " + sig.length + " bytes, not "
                        + ObjectSignature.SIGNATURE_LENGTH);
            }
            if (!signatureHolds(claims, sig)) {
                return Check.refused(Failure.BAD_SIGNATURE,
                        "the token's signature does not hold (altered, or not signed with the operator key)");
            }
            AccessToken token;
            try {
                token = decodeClaims(claims);
            } catch (IllegalArgumentException e) {
                return Check.refused(Failure.MALFORMED, "signed claims that do not decode: " + e.getMessage());
            }
            if (nowSeconds >= token.expires()) {
                return Check.refused(Failure.EXPIRED, "the token expired " + (nowSeconds - token.expires())
                        + " s ago");
            }
            return Check.ok(token);
        }

        /** {@link #verify(String, long)}, then {@link AccessToken#admits}. */
        public Check verify(String text, long nowSeconds, Role role, String broadcast, String relayRegion) {
            Check check = verify(text, nowSeconds);
            return check.ok() ? check.token().admits(role, broadcast, relayRegion) : check;
        }

        private boolean signatureHolds(byte[] claims, byte[] sig) {
            try {
                signature.initVerify(key);
                signature.update(signingInput(claims));
                return signature.verify(sig);
            } catch (InvalidKeyException e) {
                throw new IllegalStateException(e);
            } catch (SignatureException e) {
                return false; // an encoding the JDK refuses outright (RFC 8032 §5.1.7): not valid
            }
        }

        /** The bytes of unpadded base64url in canonical form (unused trailing bits zero), or null. */
        private static byte[] canonicalBase64(String text) {
            byte[] bytes;
            try {
                bytes = B64_DECODER.decode(text);
            } catch (IllegalArgumentException e) {
                return null;
            }
            return B64.encodeToString(bytes).equals(text) ? bytes : null;
        }
    }
}
