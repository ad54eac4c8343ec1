package dev.treecast.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SvgTest {
    @Test
    void escapingCoversMarkupQuotesAndDropsControlCharacters() {
        assertThat(Svg.escape("<a href='x'>\"&\"</a>\u0007")).isEqualTo(
                "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
        assertThat(Svg.escape(null)).isEmpty();
    }

    @Test
    void stepsAndTickLabelsAreRound() {
        assertThat(Svg.niceStep(0.7)).isEqualTo(1);
        assertThat(Svg.niceStep(113)).isEqualTo(200);
        assertThat(Svg.niceStep(2.3)).isEqualTo(2.5);
        assertThat(Svg.niceStep(4_100)).isEqualTo(5_000);
        assertThat(Svg.tick(2.5)).isEqualTo("2.5");
        assertThat(Svg.tick(1_000)).isEqualTo("1000");
        assertThat(Svg.tick(25_000)).isEqualTo("25k");
        assertThat(Svg.tick(3_500_000)).isEqualTo("3.5M");
        assertThat(Svg.tick(0.0001)).isEqualTo("0.0001");
    }

    @Test
    void aLogScaleHasATickPerPowerOfTenAndGapsForZeros() {
        String svg = Svg.lineChart("t", "x", "y", List.of(new Svg.Series("s", "#000", new double[] {1, 2, 3},
                new double[] {0, 5, 2_000})), List.of(), true);
        assertThat(svg).contains(">1</text>", ">10</text>", ">100</text>", ">1000</text>", ">10k</text>");
        assertThat(svg).containsOnlyOnce("d=\"M"); // one segment: the zero is not drawn
    }

    @Test
    void aChartWithNothingToDrawSaysSo() {
        assertThat(Svg.lineChart("t", "x", "y", List.of(new Svg.Series("s", "#000", new double[] {1},
                new double[] {Double.NaN})), List.of())).contains(">no data</text>");
    }
}
