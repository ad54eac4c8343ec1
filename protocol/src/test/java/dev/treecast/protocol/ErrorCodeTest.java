package dev.treecast.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ErrorCodeTest {

    @Test
    void wireValuesAreFixed() {
        Map<ErrorCode, Integer> expected = new LinkedHashMap<>();
        expected.put(ErrorCode.NO_ERROR, 0x0);
        expected.put(ErrorCode.INTERNAL_ERROR, 0x1);
        expected.put(ErrorCode.PROTOCOL_VIOLATION, 0x2);
        expected.put(ErrorCode.MALFORMED_MESSAGE, 0x3);
        expected.put(ErrorCode.MESSAGE_TOO_LARGE, 0x4);
        expected.put(ErrorCode.UNKNOWN_MESSAGE_TYPE, 0x5);
        expected.put(ErrorCode.UNSUPPORTED_VERSION, 0x6);
        expected.put(ErrorCode.NOT_FOUND, 0x7);
        expected.put(ErrorCode.DUPLICATE_SUBSCRIPTION, 0x8);
        expected.put(ErrorCode.LIMIT_EXCEEDED, 0x9);
        expected.put(ErrorCode.UNAUTHORIZED, 0xA);
        expected.put(ErrorCode.GOING_AWAY, 0xB);
        expected.put(ErrorCode.TOO_SLOW, 0xC);
        expected.put(ErrorCode.TRUNCATED, 0xD);
        expected.put(ErrorCode.TIMEOUT, 0xE);
        expected.put(ErrorCode.CANCELLED, 0xF);
        expected.put(ErrorCode.UPSTREAM_LOST, 0x10);
        expected.put(ErrorCode.RANK_REFUSED, 0x11);
        expected.put(ErrorCode.NOT_CONTROLLER, 0x12);
        expected.put(ErrorCode.TOKEN_EXPIRED, 0x13);
        expected.put(ErrorCode.FORBIDDEN, 0x14);
        expected.put(ErrorCode.UNKNOWN, 0xFF);
        assertThat(ErrorCode.values()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((code, wire) -> assertThat(code.code()).as(code.name()).isEqualTo(wire));
    }

    @Test
    void everyKnownCodeMapsBackToItself() {
        for (ErrorCode c : ErrorCode.values()) {
            assertThat(ErrorCode.of(c.code())).isSameAs(c);
            assertThat(c.description()).isNotBlank();
        }
    }

    @Test
    void codesAreUnique() {
        assertThat(Arrays.stream(ErrorCode.values()).mapToInt(ErrorCode::code).distinct().count())
                .isEqualTo(ErrorCode.values().length);
    }

    @ParameterizedTest
    @ValueSource(longs = {0x15, 0x16, 0x1f, 0x7f, 0xfe, 0x100, 0x4000, Integer.MAX_VALUE, 1L << 40, (1L << 62) - 1, -1,
            Long.MIN_VALUE})
    void unknownWireValuesMapToUnknown(long wire) {
        assertThat(ErrorCode.of(wire)).isSameAs(ErrorCode.UNKNOWN);
    }

    @Test
    void treeCodesHaveTheirDescriptions() {
        assertThat(ErrorCode.RANK_REFUSED.description()).isEqualTo("a parent must rank below its child");
        assertThat(ErrorCode.NOT_CONTROLLER.description()).isEqualTo("this node is not the tree controller");
        assertThat(ErrorCode.of(0x11)).isSameAs(ErrorCode.RANK_REFUSED);
        assertThat(ErrorCode.of(0x12)).isSameAs(ErrorCode.NOT_CONTROLLER);
    }

    @Test
    void protocolExceptionCarriesItsCodeAndMessage() {
        ProtocolException e = new ProtocolException(ErrorCode.TRUNCATED, "ended early");
        assertThat(e.code()).isSameAs(ErrorCode.TRUNCATED);
        assertThat(e).hasMessage("ended early").isInstanceOf(RuntimeException.class);
        assertThat(e.toString()).isEqualTo("ProtocolException[TRUNCATED]: ended early");
    }
}
