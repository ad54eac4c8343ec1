package dev.treecast.protocol.control;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Strings;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * What a relay declares about itself to the controller, in {@link Join} and in every {@link Report}:
 *
 * <ul>
 * <li>{@code nodeId}: its node id, as in its SETUP;</li>
 * <li>{@code address}: the {@code host:port} of its QUIC listener for child relays;</li>
 * <li>{@code region}: where it runs, at most 64 bytes, empty if unknown;</li>
 * <li>{@code slots}: how many child relays it can feed;</li>
 * <li>{@code webTransport}: the URL prefix browsers watch from, e.g. {@code https://10.0.0.5:4443/watch/}, at most
 * 256 bytes, empty if it serves no browsers;</li>
 * <li>{@code certificateSha256}: the SHA-256 of its WebTransport certificate as 64 lowercase hex digits (what a
 * browser pins with {@code serverCertificateHashes}), or empty.</li>
 * </ul>
 *
 * <p>Wire: {@code node id (string) | address (string) | region (string) | slots (varint) | web transport (string)
 * | certificate sha-256 (string: empty or 64 of [0-9a-f])}.
 */
public record RelayDescription(String nodeId, String address, String region, long slots, String webTransport,
        String certificateSha256) {
    public static final int MAX_REGION = 64;
    public static final int MAX_WEB_TRANSPORT = 256;
    /** The length of a certificate hash in hex digits; the only length other than 0 that is accepted. */
    public static final int CERTIFICATE_SHA256_LENGTH = 64;

    public RelayDescription {
        Strings.checkLength(nodeId, "node id", Setup.MAX_NODE_ID);
        Strings.checkLength(address, "address", Backups.MAX_ADDRESS);
        Strings.checkLength(region, "region", MAX_REGION);
        Strings.checkLength(webTransport, "web transport", MAX_WEB_TRANSPORT);
        if (!isValidCertificateSha256(certificateSha256)) {
            throw new IllegalArgumentException("certificate sha-256 must be empty or " + CERTIFICATE_SHA256_LENGTH
                    + " lowercase hex digits: '" + certificateSha256 + "'");
        }
    }

    /** Whether {@code hash} is empty or exactly 64 characters of {@code [0-9a-f]}. */
    public static boolean isValidCertificateSha256(String hash) {
        if (hash == null) {
            return false;
        }
        if (hash.isEmpty()) {
            return true;
        }
        if (hash.length() != CERTIFICATE_SHA256_LENGTH) {
            return false;
        }
        for (int i = 0; i < hash.length(); i++) {
            char c = hash.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    int encodedLength() {
        return Strings.encodedLength(nodeId) + Strings.encodedLength(address) + Strings.encodedLength(region)
                + Varint.encodedLength(slots) + Strings.encodedLength(webTransport)
                + Strings.encodedLength(certificateSha256);
    }

    void encode(ByteBuf out) {
        Strings.write(out, nodeId);
        Strings.write(out, address);
        Strings.write(out, region);
        Varint.write(out, slots);
        Strings.write(out, webTransport);
        Strings.write(out, certificateSha256);
    }

    /** Reads a description; {@code message} names the enclosing message in errors, e.g. {@code "JOIN"}. */
    static RelayDescription decode(ByteBuf in, String message) {
        String nodeId = Strings.read(in, message + " node id", Setup.MAX_NODE_ID);
        String address = Strings.read(in, message + " address", Backups.MAX_ADDRESS);
        String region = Strings.read(in, message + " region", MAX_REGION);
        long slots = Varint.read(in, message + " slots");
        String webTransport = Strings.read(in, message + " web transport", MAX_WEB_TRANSPORT);
        String hash = Strings.read(in, message + " certificate sha-256", CERTIFICATE_SHA256_LENGTH);
        if (!isValidCertificateSha256(hash)) {
            throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, message
                    + " certificate sha-256 must be empty or " + CERTIFICATE_SHA256_LENGTH
                    + " lowercase hex digits: '" + hash + "'");
        }
        return new RelayDescription(nodeId, address, region, slots, webTransport, hash);
    }
}
