package dev.treecast.gateway.webtransport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.handler.codec.http3.DefaultHttp3Headers;
import io.netty.handler.codec.http3.Http3Headers;

/** Reading a WebTransport subprotocol offer (either spelling, strings or tokens) and answering it. */
class SubprotocolsTest {
    private static List<String> parse(String value) {
        List<String> out = new ArrayList<>();
        Subprotocols.parseList(value, out);
        return out;
    }

    @Test
    void readsStringsTokensAndDropsParametersAndOtherItems() {
        // what @moq/net 0.2.8 offers, as Chromium writes it (Structured Fields strings)
        assertThat(parse("\"moq-lite-05\", \"moq-lite-04\", \"moq-lite-03\", \"moql\", \"moqt-19\""))
                .containsExactly("moq-lite-05", "moq-lite-04", "moq-lite-03", "moql", "moqt-19");
        assertThat(parse("moq-lite-05;q=1,moql")).containsExactly("moq-lite-05", "moql");
        // a number and an inner list are not protocol names; an escaped quote is part of the string
        assertThat(parse("12, (\"a\" \"b\"), \"x\\\"y\"")).containsExactly("x\"y");
        assertThat(parse("")).isEmpty();
    }

    @Test
    void choosesOurMostPreferredOfferedAndAnswersInBothSpellings() {
        Http3Headers request = new DefaultHttp3Headers();
        request.set(Subprotocols.LEGACY_OFFER, "moq-lite-04, moq-lite-05");
        List<String> offered = Subprotocols.offered(request);
        assertThat(Subprotocols.choose(offered, List.of("moq-lite-05"))).isEqualTo("moq-lite-05");
        assertThat(Subprotocols.choose(List.of("moqt-15"), List.of("moq-lite-05"))).isNull();

        Http3Headers response = new DefaultHttp3Headers();
        Subprotocols.answer(response, "moq-lite-05");
        assertThat(response.get(Subprotocols.ANSWER).toString()).isEqualTo("\"moq-lite-05\"");
        assertThat(response.get(Subprotocols.LEGACY_ANSWER).toString()).isEqualTo("moq-lite-05");
    }

    @Test
    void anOfferIsReadUpToItsLimit() {
        String many = String.join(", ", java.util.Collections.nCopies(100, "\"p\""));
        assertThat(parse(many)).hasSize(Subprotocols.MAX_OFFERED);
    }
}
