package dev.treecast.loadtest.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;

/**
 * The report's two charts, drawn as inline SVG: lines over a numeric x axis (with labelled vertical markers for the
 * chaos events) and bars over numeric bins. Markup is XML-well-formed and every string is escaped.
 */
final class Svg {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 300;
    private static final int LEFT = 62;
    private static final int RIGHT = 16;
    private static final int TOP = 40;
    private static final int BOTTOM = 44;
    private static final int PLOT_W = WIDTH - LEFT - RIGHT;
    private static final int PLOT_H = HEIGHT - TOP - BOTTOM;
    private static final int MAX_LABELS = 20;

    /** One line; NaN y values leave a gap. {@code dots} draws a point per value instead of a line. */
    record Series(String name, String color, double[] x, double[] y, boolean dots) {
        Series(String name, String color, double[] x, double[] y) {
            this(name, color, x, y, false);
        }
    }

    /** A labelled vertical line at {@code x} ({@code tooltip} shows on hover). */
    record Marker(double x, String label, String tooltip) {
    }

    private Svg() {
    }

    static String lineChart(String title, String xLabel, String yLabel, List<Series> series, List<Marker> markers) {
        return lineChart(title, xLabel, yLabel, series, markers, false);
    }

    /**
     * Lines over a shared x axis. With {@code logY} the y axis is logarithmic (powers of ten), for series whose
     * scales differ by orders of magnitude; values that are not positive then leave a gap.
     */
    static String lineChart(String title, String xLabel, String yLabel, List<Series> series, List<Marker> markers,
                            boolean logY) {
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = 0;
        boolean any = false;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (drawable(s.y()[i], logY)) {
                    any = true;
                    xMin = Math.min(xMin, s.x()[i]);
                    xMax = Math.max(xMax, s.x()[i]);
                    yMin = Math.min(yMin, s.y()[i]);
                    yMax = Math.max(yMax, s.y()[i]);
                }
            }
        }
        if (!any) {
            return empty(title);
        }
        for (Marker m : markers) {
            xMin = Math.min(xMin, m.x());
            xMax = Math.max(xMax, m.x());
        }
        Axis xAxis = Axis.of(Math.min(0, xMin), xMax);
        Axis yAxis = logY ? Axis.log(yMin, yMax) : Axis.of(0, yMax);
        StringBuilder svg = open(title, xLabel, yLabel, xAxis, yAxis);
        for (int i = 0; i < markers.size(); i++) {
            marker(svg, markers.get(i), i, markers.size() <= MAX_LABELS, xAxis);
        }
        for (Series s : series) {
            if (s.dots()) {
                svg.append("<g fill=\"").append(s.color()).append("\">");
                for (int i = 0; i < s.x().length; i++) {
                    if (drawable(s.y()[i], logY)) {
                        svg.append("<circle r=\"2.5\" cx=\"").append(num(xAxis.px(s.x()[i]))).append("\" cy=\"")
                                .append(num(yAxis.py(s.y()[i]))).append("\"/>");
                    }
                }
                svg.append("</g>");
            } else {
                StringBuilder d = new StringBuilder();
                boolean pen = false;
                for (int i = 0; i < s.x().length; i++) {
                    if (!drawable(s.y()[i], logY)) {
                        pen = false;
                        continue;
                    }
                    d.append(pen ? 'L' : 'M').append(num(xAxis.px(s.x()[i]))).append(',')
                            .append(num(yAxis.py(s.y()[i])));
                    pen = true;
                }
                svg.append("<path fill=\"none\" stroke-width=\"1.6\" stroke=\"").append(s.color())
                        .append("\" d=\"").append(d).append("\"/>");
            }
        }
        legend(svg, series);
        return svg.append("</svg>").toString();
    }

    private static boolean drawable(double y, boolean logY) {
        return logY ? y > 0 && y < Double.POSITIVE_INFINITY : Double.isFinite(y);
    }

    /** Bar {@code i} spans [{@code edges[i]}, {@code edges[i + 1]}) and is {@code counts[i]} high. */
    static String barChart(String title, String xLabel, String yLabel, double[] edges, long[] counts) {
        long max = 0;
        for (long c : counts) {
            max = Math.max(max, c);
        }
        if (counts.length == 0 || max == 0) {
            return empty(title);
        }
        Axis xAxis = Axis.of(edges[0], edges[edges.length - 1]);
        Axis yAxis = Axis.of(0, max);
        StringBuilder svg = open(title, xLabel, yLabel, xAxis, yAxis);
        svg.append("<g fill=\"#4e79a7\">");
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                continue;
            }
            double x0 = xAxis.px(edges[i]);
            double x1 = xAxis.px(edges[i + 1]);
            double y = yAxis.py(counts[i]);
            svg.append("<rect x=\"").append(num(x0 + 0.5)).append("\" y=\"").append(num(y))
                    .append("\" width=\"").append(num(Math.max(1, x1 - x0 - 1))).append("\" height=\"")
                    .append(num(TOP + PLOT_H - y)).append("\"><title>")
                    .append(escape(tick(edges[i]) + "–" + tick(edges[i + 1]) + " " + xLabel + ": " + counts[i]))
                    .append("</title></rect>");
        }
        return svg.append("</g></svg>").toString();
    }

    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    // Control characters are not allowed in XML 1.0 (nor useful in HTML).
                    if (c >= 0x20 || c == '\n' || c == '\t') {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** A tick label: short, no trailing zeros, thousands as k and millions as M. */
    static String tick(double v) {
        double a = Math.abs(v);
        if (a >= 1e6) {
            return trim(String.format(Locale.ROOT, "%.2f", v / 1e6)) + "M";
        }
        if (a >= 1e4) {
            return trim(String.format(Locale.ROOT, "%.1f", v / 1e3)) + "k";
        }
        if (a > 0 && a < 1) {
            return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
        }
        return trim(String.format(Locale.ROOT, "%.3f", v));
    }

    private static String trim(String s) {
        if (s.indexOf('.') < 0) {
            return s;
        }
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static StringBuilder open(String title, String xLabel, String yLabel, Axis xAxis, Axis yAxis) {
        StringBuilder svg = header(title);
        // Grid, ticks and labels.
        svg.append("<g class=\"axis\">");
        for (double v : yAxis.ticks()) {
            double y = yAxis.py(v);
            svg.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + PLOT_W)
                    .append("\" y1=\"").append(num(y)).append("\" y2=\"").append(num(y)).append("\"/>")
                    .append("<text text-anchor=\"end\" x=\"").append(LEFT - 6).append("\" y=\"").append(num(y + 4))
                    .append("\">").append(escape(tick(v))).append("</text>");
        }
        for (double v : xAxis.ticks()) {
            double x = xAxis.px(v);
            svg.append("<line x1=\"").append(num(x)).append("\" x2=\"").append(num(x)).append("\" y1=\"")
                    .append(TOP + PLOT_H).append("\" y2=\"").append(TOP + PLOT_H + 5).append("\" stroke=\"#666\"/>")
                    .append("<text text-anchor=\"middle\" x=\"").append(num(x)).append("\" y=\"")
                    .append(TOP + PLOT_H + 18).append("\">").append(escape(tick(v))).append("</text>");
        }
        svg.append("<line stroke=\"#666\" x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + PLOT_W)
                .append("\" y1=\"").append(TOP + PLOT_H).append("\" y2=\"").append(TOP + PLOT_H).append("\"/>")
                .append("<line stroke=\"#666\" x1=\"").append(LEFT).append("\" x2=\"").append(LEFT).append("\" y1=\"")
                .append(TOP).append("\" y2=\"").append(TOP + PLOT_H).append("\"/>")
                .append("<text class=\"label\" text-anchor=\"middle\" x=\"").append(LEFT + PLOT_W / 2)
                .append("\" y=\"").append(HEIGHT - 6).append("\">").append(escape(xLabel)).append("</text>")
                .append("<text class=\"label\" text-anchor=\"middle\" transform=\"translate(14,")
                .append(TOP + PLOT_H / 2).append(") rotate(-90)\">").append(escape(yLabel)).append("</text>")
                .append("</g>");
        return svg;
    }

    private static StringBuilder header(String title) {
        return new StringBuilder(4096)
                .append("<svg viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"").append(escape(title)).append("\">")
                .append("<text class=\"title\" x=\"").append(LEFT).append("\" y=\"18\">").append(escape(title))
                .append("</text>");
    }

    private static String empty(String title) {
        return header(title).append("<text class=\"label\" text-anchor=\"middle\" x=\"").append(WIDTH / 2)
                .append("\" y=\"").append(HEIGHT / 2).append("\">no data</text></svg>").toString();
    }

    /**
     * Labels sit in three staggered rows so that events close together stay readable; past {@link #MAX_LABELS}
     * markers only the lines are drawn (each still names its event on hover), as labels would be a smudge.
     */
    private static void marker(StringBuilder svg, Marker m, int index, boolean labelled, Axis xAxis) {
        double x = xAxis.px(m.x());
        svg.append("<g class=\"marker\"><title>").append(escape(m.tooltip())).append("</title>")
                .append("<line x1=\"").append(num(x)).append("\" x2=\"").append(num(x)).append("\" y1=\"")
                .append(TOP).append("\" y2=\"").append(TOP + PLOT_H).append("\"/>");
        if (labelled) {
            double labelY = TOP + 11 + (index % 3) * 12;
            // Right of the line unless it would run out of the plot (about 6 px a character at 10 px).
            boolean left = x + 3 + 6 * m.label().length() > LEFT + PLOT_W;
            svg.append("<text x=\"").append(num(left ? x - 3 : x + 3)).append("\" y=\"").append(num(labelY))
                    .append("\" text-anchor=\"").append(left ? "end" : "start").append("\">")
                    .append(escape(m.label())).append("</text>");
        }
        svg.append("</g>");
    }

    private static void legend(StringBuilder svg, List<Series> series) {
        double x = LEFT + PLOT_W;
        for (int i = series.size() - 1; i >= 0; i--) {
            Series s = series.get(i);
            x -= 14 + 7 * s.name().length();
            svg.append("<rect x=\"").append(num(x)).append("\" y=\"24\" width=\"10\" height=\"10\" fill=\"")
                    .append(s.color()).append("\"/><text x=\"").append(num(x + 13)).append("\" y=\"33\">")
                    .append(escape(s.name())).append("</text>");
            x -= 10;
        }
    }

    /** The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0) || Double.isInfinite(raw)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5}) {
            if (m * magnitude >= raw * (1 - 1e-12)) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String num(double v) {
        return trim(String.format(Locale.ROOT, "%.1f", v));
    }

    /** A linear axis from {@code min} to a round {@code max} with about five round ticks, or a log10 one. */
    private record Axis(double min, double max, double step, boolean log) {
        static Axis of(double min, double max) {
            if (!(max > min)) {
                max = min + 1;
            }
            double step = niceStep((max - min) / 5);
            return new Axis(min, Math.ceil(max / step - 1e-9) * step, step, false);
        }

        /** From the power of ten at or below {@code min} to the one at or above {@code max}. */
        static Axis log(double min, double max) {
            double low = Math.floor(Math.log10(min));
            double high = Math.max(low + 1, Math.ceil(Math.log10(max)));
            return new Axis(Math.pow(10, low), Math.pow(10, high), 10, true);
        }

        double[] ticks() {
            if (log) {
                int decades = (int) Math.round(Math.log10(max / min));
                double[] ticks = new double[decades + 1];
                for (int i = 0; i <= decades; i++) {
                    ticks[i] = min * Math.pow(10, i);
                }
                return ticks;
            }
            double first = Math.ceil(min / step - 1e-9) * step;
            int n = (int) Math.floor((max - first) / step + 1e-9) + 1;
            double[] ticks = new double[Math.max(0, n)];
            for (int i = 0; i < ticks.length; i++) {
                ticks[i] = first + i * step;
            }
            return ticks;
        }

        double px(double v) {
            return LEFT + (v - min) / (max - min) * PLOT_W;
        }

        double py(double v) {
            double share = log ? Math.log10(v / min) / Math.log10(max / min) : (v - min) / (max - min);
            return TOP + PLOT_H - share * PLOT_H;
        }
    }
}
