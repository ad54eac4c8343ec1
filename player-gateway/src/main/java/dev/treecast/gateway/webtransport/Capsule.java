package dev.treecast.gateway.webtransport;

import java.nio.charset.StandardCharsets;

import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * An HTTP capsule (RFC 9297 §3.2) read from the DATA frames of a WebTransport session's CONNECT stream:
 * {@code type (varint) | length (varint) | value}. Only CLOSE_WEBTRANSPORT_SESSION means anything to us; every
 * other type (GREASE, DRAIN_WEBTRANSPORT_SESSION, DATAGRAM, ...) is skipped as {@link Unknown}.
 */
public sealed interface Capsule {
    /** CLOSE_WEBTRANSPORT_SESSION (draft-ietf-webtrans-http3-02 §5). */
    long CLOSE_WEBTRANSPORT_SESSION = 0x2843;

    long type();

    /**
     * CLOSE_WEBTRANSPORT_SESSION: {@code application error code (32 bits) | error message (UTF-8, at most 1024
     * bytes)}. Sent by either side before it FINs the CONNECT stream; the code is the application's (here a
     * {@code treecast/1} {@link dev.treecast.protocol.ErrorCode} value).
     */
    record CloseSession(long code, String reason) implements Capsule {
        /** The longest error message allowed, in UTF-8 bytes. */
        public static final int MAX_REASON = 1024;
        /** The largest value (code + message) of a well-formed CLOSE_WEBTRANSPORT_SESSION. */
        public static final int MAX_VALUE = 4 + MAX_REASON;

        public CloseSession {
            if (code < 0 || code > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("error code must fit 32 bits: " + code);
            }
            if (ByteBufUtil.utf8Bytes(reason) > MAX_REASON) {
                throw new IllegalArgumentException("reason exceeds " + MAX_REASON + " bytes");
            }
        }

        /** A close whose reason is cut (at a character boundary) to what fits. */
        public static CloseSession truncating(long code, String reason) {
            String text = reason;
            while (ByteBufUtil.utf8Bytes(text) > MAX_REASON) {
                int cut = Math.min(text.length() - 1, MAX_REASON);
                if (Character.isLowSurrogate(text.charAt(cut)) && cut > 0) {
                    cut--;
                }
                text = text.substring(0, cut);
            }
            return new CloseSession(code, text);
        }

        @Override
        public long type() {
            return CLOSE_WEBTRANSPORT_SESSION;
        }

        public int valueLength() {
            return 4 + ByteBufUtil.utf8Bytes(reason);
        }

        public int encodedLength() {
            int value = valueLength();
            return Varint.encodedLength(CLOSE_WEBTRANSPORT_SESSION) + Varint.encodedLength(value) + value;
        }

        public void encode(ByteBuf out) {
            Varint.write(out, CLOSE_WEBTRANSPORT_SESSION);
            Varint.write(out, valueLength());
            out.writeInt((int) code);
            out.writeCharSequence(reason, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "CLOSE_WEBTRANSPORT_SESSION[code=" + code + ", reason=" + reason + "]";
        }
    }

    /** Any other capsule: its value was skipped, never buffered. */
    record Unknown(long type, long length) implements Capsule {
        @Override
        public String toString() {
            return "Capsule[type=0x" + Long.toHexString(type) + ", " + length + " bytes]";
        }
    }
}
