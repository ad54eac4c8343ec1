package dev.treecast.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/** Small helpers shared by the protocol tests. */
public final class Wire {
    private Wire() {
    }

    /** A copy of the readable bytes of {@code buf}; does not move its reader index. */
    public static byte[] readable(ByteBuf buf) {
        return ByteBufUtil.getBytes(buf);
    }

    /** {@code bytes} given as unsigned values, as a byte array. */
    public static byte[] of(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    /** Concatenates byte arrays. */
    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Asserts that {@code call} throws a {@link ProtocolException} with {@code code}, and returns it. */
    public static ProtocolException assertProtocolError(ErrorCode code, ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("expected a ProtocolException with " + code).isInstanceOf(ProtocolException.class);
        ProtocolException e = (ProtocolException) thrown;
        assertThat(e.code()).as("error code of: " + e.getMessage()).isEqualTo(code);
        return e;
    }
}
