package dev.treecast.protocol.moqlite;

import java.util.HashSet;
import java.util.Set;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.ProtocolException;
import dev.treecast.protocol.Varint;
import io.netty.buffer.ByteBuf;

/**
 * SETUP (lite-05): the one message on each side's Setup stream (a unidirectional stream of type
 * {@link MoqLite#DATA_SETUP}), then FIN. Body: {@code count | (id, length, value)*}. Known parameters: 1 probe level
 * (varint), 2 path (UTF-8, client only, never over WebTransport), 3 role (varint, client only), 5 origin (varint).
 * A parameter at its default is not sent; unknown ids are skipped; a duplicate id is malformed.
 *
 * @param probe  0 none, 1 report, 2 increase
 * @param path   "" for none
 * @param role   0 both, 1 publisher, 2 subscriber
 * @param origin 0 for none
 */
public record Setup(long probe, String path, long role, long origin) implements LiteMessage {
    public static final long PARAM_PROBE = 1;
    public static final long PARAM_PATH = 2;
    public static final long PARAM_ROLE = 3;
    public static final long PARAM_ORIGIN = 5;

    /** A SETUP that says nothing: what a server that does no probing sends. */
    public static final Setup EMPTY = new Setup(0, "", 0, 0);

    public Setup {
        Fields.checkVarint(probe, "probe");
        Fields.checkVarint(role, "role");
        Fields.checkVarint(origin, "origin");
        path = path == null ? "" : path;
        if (Fields.utf8(path) > MoqLite.MAX_PARAMETER_VALUE) {
            throw new IllegalArgumentException("path longer than " + MoqLite.MAX_PARAMETER_VALUE + " bytes");
        }
    }

    private int count() {
        return (probe != 0 ? 1 : 0) + (!path.isEmpty() ? 1 : 0) + (role != 0 ? 1 : 0) + (origin != 0 ? 1 : 0);
    }

    @Override
    public int bodyLength() {
        int n = Varint.encodedLength(count());
        if (probe != 0) {
            n += 1 + 1 + Varint.encodedLength(probe);
        }
        if (!path.isEmpty()) {
            n += 1 + Fields.stringLength(path);
        }
        if (role != 0) {
            n += 1 + 1 + Varint.encodedLength(role);
        }
        if (origin != 0) {
            n += 1 + 1 + Varint.encodedLength(origin);
        }
        return n;
    }

    @Override
    public void encodeBody(ByteBuf out) {
        Varint.write(out, count());
        if (probe != 0) {
            varintParameter(out, PARAM_PROBE, probe);
        }
        if (!path.isEmpty()) {
            Varint.write(out, PARAM_PATH);
            Fields.string(out, path);
        }
        if (role != 0) {
            varintParameter(out, PARAM_ROLE, role);
        }
        if (origin != 0) {
            varintParameter(out, PARAM_ORIGIN, origin);
        }
    }

    private static void varintParameter(ByteBuf out, long id, long value) {
        Varint.write(out, id);
        Varint.write(out, Varint.encodedLength(value));
        Varint.write(out, value);
    }

    public static Setup decode(ByteBuf body) {
        long count = Fields.varint(body, "SETUP parameter count", MoqLite.MAX_PARAMETERS);
        Set<Long> seen = new HashSet<>();
        long probe = 0;
        long role = 0;
        long origin = 0;
        String path = "";
        for (long i = 0; i < count; i++) {
            long id = Fields.varint(body, "SETUP parameter id");
            if (!seen.add(id)) {
                throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "duplicate SETUP parameter " + id);
            }
            int length = (int) Fields.varint(body, "SETUP parameter length", MoqLite.MAX_PARAMETER_VALUE);
            if (length > body.readableBytes()) {
                throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "truncated SETUP parameter " + id);
            }
            ByteBuf value = body.readSlice(length);
            if (id == PARAM_PATH) {
                path = value.toString(java.nio.charset.StandardCharsets.UTF_8);
                continue;
            }
            if (id != PARAM_PROBE && id != PARAM_ROLE && id != PARAM_ORIGIN) {
                continue; // unknown: skipped
            }
            long v = Fields.varint(value, "SETUP parameter " + id);
            if (value.isReadable()) {
                throw new ProtocolException(ErrorCode.MALFORMED_MESSAGE, "trailing bytes in SETUP parameter " + id);
            }
            if (id == PARAM_PROBE) {
                probe = v;
            } else if (id == PARAM_ROLE) {
                role = v;
            } else {
                origin = v;
            }
        }
        return new Setup(probe, path, role, origin);
    }
}
