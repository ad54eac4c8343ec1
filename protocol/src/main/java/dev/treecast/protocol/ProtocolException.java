package dev.treecast.protocol;

/**
 * A peer broke {@code treecast/1}: the offending stream or session is closed with {@link #code()}, everyone
 * else is served on.
 */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    @Override
    public String toString() {
        return "ProtocolException[" + code + "]: " + getMessage();
    }
}
