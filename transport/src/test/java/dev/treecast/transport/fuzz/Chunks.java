package dev.treecast.transport.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A fuzz input read as a byte stream plus the places where the network splits it. Layout: {@code n} (one byte, low
 * three bits: 0..7 cuts), then {@code n} chunk lengths of one byte each, then the stream. The stream is cut into
 * chunks of those lengths in order (clamped to what is left, so empty chunks happen too); whatever remains is the
 * last chunk. A seed that starts with {@code 0x00} is one chunk holding the rest of the file.
 */
record Chunks(byte[] stream, List<byte[]> parts) {
    static Chunks of(byte[] input) {
        if (input.length == 0) {
            return new Chunks(input, List.of(input));
        }
        int cuts = Math.min(input[0] & 0x07, input.length - 1);
        int at = 1 + cuts;
        byte[] stream = Arrays.copyOfRange(input, at, input.length);
        List<byte[]> parts = new ArrayList<>(cuts + 1);
        int from = 0;
        for (int i = 0; i < cuts; i++) {
            int to = Math.min(stream.length, from + (input[1 + i] & 0xFF));
            parts.add(Arrays.copyOfRange(stream, from, to));
            from = to;
        }
        parts.add(Arrays.copyOfRange(stream, from, stream.length));
        return new Chunks(stream, parts);
    }
}
