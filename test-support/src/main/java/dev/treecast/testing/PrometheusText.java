package dev.treecast.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reader of the Prometheus text exposition format (0.0.4) for tests: the samples of a scrape, strictly (a line
 * that is neither a comment nor a well-formed sample fails the test, so a broken exposition cannot pass).
 */
public final class PrometheusText {
    /** One sample line: {@code name{label="value",...} 1.0}. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? ([-+]?(?:[0-9.eE+-]+|NaN|Inf))(?: -?[0-9]+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("not a Prometheus sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                int end = 0;
                while (l.find() && l.start() == end) {
                    labels.put(l.group(1), l.group(2));
                    end = l.end();
                }
                if (end != m.group(2).length()) {
                    throw new AssertionError("malformed labels: " + line);
                }
            }
            String v = m.group(3);
            double value = v.endsWith("Inf") ? (v.startsWith("-") ? Double.NEGATIVE_INFINITY
                    : Double.POSITIVE_INFINITY) : Double.parseDouble(v);
            samples.add(new Sample(m.group(1), labels, value));
        }
        return new PrometheusText(samples);
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Every sample name (series names: {@code _bucket}, {@code _count}, {@code _total} included). */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    /** The samples of {@code name} whose labels include {@code labels}. */
    public List<Sample> find(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(labels.entrySet())).toList();
    }

    /** The sum of the samples of {@code name} whose labels include {@code labels} (0 when none). */
    public double sum(String name, Map<String, String> labels) {
        return find(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    /** The value of the one sample of {@code name} with {@code labels}; fails if there is not exactly one. */
    public double value(String name, Map<String, String> labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples of " + name + labels + ", expected one");
        }
        return found.get(0).value();
    }
}
