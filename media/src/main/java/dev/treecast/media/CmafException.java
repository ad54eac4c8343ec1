package dev.treecast.media;

/**
 * Malformed, truncated, oversize or unsupported CMAF/ISOBMFF input. Every parser in this package reports bad input
 * with this exception (never with an {@code IndexOutOfBoundsException} or {@code NullPointerException}); the
 * message names the box and says what was wrong with it.
 */
public final class CmafException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message that names the box and the problem. */
    public CmafException(String message) {
        super(message);
    }

    /** Creates an exception that wraps a lower-level cause. */
    public CmafException(String message, Throwable cause) {
        super(message, cause);
    }
}
