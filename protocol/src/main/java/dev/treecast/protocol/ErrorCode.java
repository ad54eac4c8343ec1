package dev.treecast.protocol;

/**
 * Application error codes of {@code treecast/1}, carried in CONNECTION_CLOSE and RESET_STREAM frames (RFC 9000
 * §19.19, §19.4), in {@code SUBSCRIBE_ERROR} and in {@code ERROR}. The numbers are wire values: never renumber.
 */
public enum ErrorCode {
    NO_ERROR(0x0, "no error"),
    INTERNAL_ERROR(0x1, "internal error"),
    PROTOCOL_VIOLATION(0x2, "protocol violation"),
    MALFORMED_MESSAGE(0x3, "malformed message"),
    MESSAGE_TOO_LARGE(0x4, "message too large"),
    UNKNOWN_MESSAGE_TYPE(0x5, "unknown message type"),
    UNSUPPORTED_VERSION(0x6, "unsupported version"),
    NOT_FOUND(0x7, "track not found"),
    DUPLICATE_SUBSCRIPTION(0x8, "duplicate subscription id"),
    LIMIT_EXCEEDED(0x9, "limit exceeded"),
    /**
     * No valid access token: none where one is required, not a token, or its signature does not hold (see
     * {@link dev.treecast.protocol.auth.AccessToken}). The peer needs a (valid) token.
     */
    UNAUTHORIZED(0xA, "unauthorized"),
    GOING_AWAY(0xB, "going away"),
    /** A group stream was reset because the subscriber fell further behind than its latency budget. */
    TOO_SLOW(0xC, "too slow: group dropped"),
    TRUNCATED(0xD, "stream ended inside a message"),
    TIMEOUT(0xE, "timeout"),
    /** A group stream was reset because its subscription ended. */
    CANCELLED(0xF, "cancelled"),
    /** The relay lost its upstream and could not serve the track. */
    UPSTREAM_LOST(0x10, "upstream lost"),
    /**
     * A relay refused a child whose rank is not above its own: a parent must rank strictly below its child, so
     * that no sequence of repairs can ever form a cycle.
     */
    RANK_REFUSED(0x11, "a parent must rank below its child"),
    /** A tree message ({@code JOIN}, {@code REPORT}, ...) reached a node that is not the tree controller. */
    NOT_CONTROLLER(0x12, "this node is not the tree controller"),
    /** A genuine access token that has expired: the peer needs a fresh one. */
    TOKEN_EXPIRED(0x13, "access token expired"),
    /**
     * A genuine, unexpired access token that does not admit to this: a viewer token for another broadcast or region,
     * a viewer token where a relay token is needed. Another try with the same token does not help.
     */
    FORBIDDEN(0x14, "forbidden by the access token's scope"),
    /** A code this build does not know; kept so that a newer peer's codes do not break decoding. */
    UNKNOWN(0xFF, "unknown error code");

    /** Known codes by wire value; {@link #UNKNOWN} (0xFF) is not in it, so the table ends at the highest real code. */
    private static final ErrorCode[] BY_CODE;

    static {
        int highest = 0;
        for (ErrorCode c : values()) {
            if (c != UNKNOWN) {
                highest = Math.max(highest, c.code);
            }
        }
        BY_CODE = new ErrorCode[highest + 1];
        for (ErrorCode c : values()) {
            if (c != UNKNOWN) {
                BY_CODE[c.code] = c;
            }
        }
    }

    private final int code;
    private final String description;

    ErrorCode(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The wire value. */
    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    /** The code for a wire value; values this build does not know map to {@link #UNKNOWN}. */
    public static ErrorCode of(long code) {
        if (code >= 0 && code < BY_CODE.length && BY_CODE[(int) code] != null) {
            return BY_CODE[(int) code];
        }
        return UNKNOWN;
    }
}
