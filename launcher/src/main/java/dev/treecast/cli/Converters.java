package dev.treecast.cli;

import java.net.InetSocketAddress;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Command-line value parsers. */
final class Converters {
    private Converters() {
    }

    /** {@code HOST:PORT}, {@code [IPv6]:PORT}. */
    static final class HostPort implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new TypeConversionException("expected HOST:PORT, got '" + value + "'");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("port must be a number: '" + value + "'");
            }
            if (port < 1 || port > 65535) {
                throw new TypeConversionException("port must be 1..65535: '" + value + "'");
            }
            return new InetSocketAddress(host, port);
        }
    }

    /**
     * The 32 raw bytes of an Ed25519 public key. A record rather than {@code byte[]}: picocli takes an array-typed
     * option for a list of values and would convert each byte.
     */
    record PublicKey(byte[] raw) {
        static byte[] raw(PublicKey key) {
            return key == null ? null : key.raw();
        }
    }

    /** An Ed25519 public key as the ingest prints it: base64 of its 32 raw bytes. */
    static final class BroadcastKey implements ITypeConverter<PublicKey> {
        @Override
        public PublicKey convert(String value) {
            byte[] key;
            try {
                key = java.util.Base64.getDecoder().decode(value.trim());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("expected the base64 key the ingest prints, got '" + value + "'");
            }
            if (key.length != dev.treecast.protocol.data.ObjectSignature.PUBLIC_KEY_LENGTH) {
                throw new TypeConversionException("an Ed25519 public key is 32 bytes (44 base64 characters), this is "
                        + key.length + " bytes: '" + value + "'");
            }
            return new PublicKey(key);
        }
    }

    /** An operator's Ed25519 public key: base64 of its 32 raw bytes, as {@code treecast token} prints it. */
    static final class OperatorKey implements ITypeConverter<PublicKey> {
        @Override
        public PublicKey convert(String value) {
            byte[] key;
            try {
                key = java.util.Base64.getDecoder().decode(value.trim());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("expected the base64 public key 'treecast token --new-operator-key'"
                        + " prints, got '" + value + "'");
            }
            if (key.length != dev.treecast.protocol.data.ObjectSignature.PUBLIC_KEY_LENGTH) {
                throw new TypeConversionException("an Ed25519 public key is 32 bytes (44 base64 characters), this is "
                        + key.length + " bytes: '" + value + "'");
            }
            return new PublicKey(key);
        }
    }

    /** A duration with its unit: {@code 90s}, {@code 90m}, {@code 2h}, {@code 30d}. */
    static final class Ttl implements ITypeConverter<java.time.Duration> {
        @Override
        public java.time.Duration convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (v.length() < 2) {
                throw new TypeConversionException("expected a duration like 90m, 2h or 30d, got '" + value + "'");
            }
            long amount;
            try {
                amount = Long.parseLong(v.substring(0, v.length() - 1));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a duration like 90m, 2h or 30d, got '" + value + "'");
            }
            if (amount <= 0) {
                throw new TypeConversionException("a duration must be positive: '" + value + "'");
            }
            return switch (v.charAt(v.length() - 1)) {
                case 's' -> java.time.Duration.ofSeconds(amount);
                case 'm' -> java.time.Duration.ofMinutes(amount);
                case 'h' -> java.time.Duration.ofHours(amount);
                case 'd' -> java.time.Duration.ofDays(amount);
                default -> throw new TypeConversionException("a duration ends with s, m, h or d (90m, 2h, 30d), got '"
                        + value + "'");
            };
        }
    }

    /** Bits per second: {@code 2500000}, {@code 2500k}, {@code 2.5M}. */
    static final class Bitrate implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toLowerCase();
            double multiplier = 1;
            if (v.endsWith("k")) {
                multiplier = 1e3;
                v = v.substring(0, v.length() - 1);
            } else if (v.endsWith("m")) {
                multiplier = 1e6;
                v = v.substring(0, v.length() - 1);
            }
            try {
                long bits = Math.round(Double.parseDouble(v) * multiplier);
                if (bits <= 0) {
                    throw new TypeConversionException("bitrate must be positive: '" + value + "'");
                }
                return bits;
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a bitrate like 2500k or 2.5M, got '" + value + "'");
            }
        }
    }
}
