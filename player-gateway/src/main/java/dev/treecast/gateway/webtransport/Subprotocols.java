package dev.treecast.gateway.webtransport;

import java.util.ArrayList;
import java.util.List;

import io.netty.handler.codec.http3.Http3Headers;

/**
 * WebTransport subprotocol negotiation (draft-ietf-webtrans-http3 §3.3): the client lists the application
 * protocols it speaks in a request header, the server names the one it picked in a response header, and the
 * browser shows it as {@code WebTransport.protocol}. {@code @moq/net} picks its moq-lite version this way.
 *
 * <p>Two spellings are in use: {@code wt-available-protocols} / {@code wt-protocol} (Structured Fields strings,
 * current drafts and Chromium) and the older {@code webtransport-subprotocols-available} /
 * {@code webtransport-subprotocol} (tokens). We read both and answer in the spelling of the offer we read.
 */
final class Subprotocols {
    static final String OFFER = "wt-available-protocols";
    static final String ANSWER = "wt-protocol";
    static final String LEGACY_OFFER = "webtransport-subprotocols-available";
    static final String LEGACY_ANSWER = "webtransport-subprotocol";
    /** Protocols read from one offer, at most. */
    static final int MAX_OFFERED = 32;

    private Subprotocols() {
    }

    /** What the client offered, in its order of preference (empty when it offered nothing). */
    static List<String> offered(Http3Headers headers) {
        List<String> all = new ArrayList<>();
        for (CharSequence name : List.of(OFFER, LEGACY_OFFER)) {
            for (CharSequence value : headers.getAll(name)) {
                parseList(value.toString(), all);
            }
        }
        return all;
    }

    /** The first protocol of {@code ours} (preference order) that the client offered, or null. */
    static String choose(List<String> offered, List<String> ours) {
        for (String p : ours) {
            if (offered.contains(p)) {
                return p;
            }
        }
        return null;
    }

    /** Sets the response headers that confirm {@code chosen}: both spellings, each in its own syntax. */
    static void answer(Http3Headers response, String chosen) {
        response.set(ANSWER, "\"" + chosen + "\"");
        response.set(LEGACY_ANSWER, chosen);
    }

    /**
     * Items of a Structured Fields list (RFC 8941 §3.1) of strings or tokens; parameters ({@code ;a=b}) are dropped,
     * items that are neither (numbers, inner lists) are skipped.
     */
    static void parseList(String value, List<String> out) {
        int i = 0;
        int n = value.length();
        while (i < n && out.size() < MAX_OFFERED) {
            while (i < n && (value.charAt(i) == ' ' || value.charAt(i) == '\t' || value.charAt(i) == ',')) {
                i++;
            }
            if (i >= n) {
                break;
            }
            StringBuilder item = new StringBuilder();
            boolean valid = true;
            if (value.charAt(i) == '"') {
                i++;
                while (i < n && value.charAt(i) != '"') {
                    char c = value.charAt(i);
                    if (c == '\\' && i + 1 < n) {
                        c = value.charAt(++i);
                    }
                    item.append(c);
                    i++;
                }
                i++; // the closing quote
            } else {
                char first = value.charAt(i);
                valid = Character.isLetter(first) || first == '*';
                while (i < n && value.charAt(i) != ',' && value.charAt(i) != ';' && value.charAt(i) != ' ') {
                    item.append(value.charAt(i));
                    i++;
                }
            }
            // Parameters and anything else up to the next comma.
            while (i < n && value.charAt(i) != ',') {
                i++;
            }
            if (valid && !item.isEmpty()) {
                out.add(item.toString());
            }
        }
    }
}
