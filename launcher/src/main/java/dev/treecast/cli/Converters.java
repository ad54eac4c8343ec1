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
