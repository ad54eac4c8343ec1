package dev.treecast.loadtest.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.treecast.testing.PrometheusText;

/**
 * The Grafana dashboard in {@code deploy/grafana} may only query what the processes expose: every name in every
 * PromQL expression must be a PromQL function or keyword, or a series that {@code /metrics} of an in-process tree
 * (ingest, inner relay, edge relays with gateways) actually serves. A renamed meter fails here, not in a dark panel.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DashboardTest {
    static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "treecast-dashboard.json");

    /** The PromQL functions, aggregations and keywords the dashboard may use. */
    private static final Set<String> PROMQL = Set.of("sum", "avg", "min", "max", "count", "rate", "increase",
            "irate", "delta", "histogram_quantile", "label_values", "clamp_min", "abs", "topk", "bottomk", "and",
            "or", "unless", "bool", "offset", "time", "vector", "scalar");
    /** Label lists after these words name labels, not series. */
    private static final Pattern LABEL_LIST = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private static MetricsTree tree;
    private static final Set<String> exposed = new TreeSet<>();

    @BeforeAll
    static void scrape() throws Exception {
        tree = new MetricsTree();
        List<InetSocketAddress> targets = new ArrayList<>(tree.relayHttp());
        targets.add(tree.ingestHttp());
        for (InetSocketAddress target : targets) {
            exposed.addAll(PrometheusText.parse(tree.scrape(target)).names());
        }
    }

    @AfterAll
    static void stop() {
        if (tree != null) {
            tree.close();
        }
    }

    /** Every PromQL expression of the dashboard: panel targets and template variable queries. */
    static List<String> expressions(JsonNode dashboard) {
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            exprs.add(variable.path("definition").asText());
        }
        return exprs;
    }

    /** The series names an expression reads: what is left once strings, matchers, ranges and label lists go. */
    static Set<String> seriesNames(String expr) {
        String bare = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", "")
                .replaceAll("\\[[^]]*]", "");
        bare = LABEL_LIST.matcher(bare).replaceAll("");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(bare);
        while (m.find()) {
            if (m.start() > 0 && (Character.isDigit(bare.charAt(m.start() - 1)) || bare.charAt(m.start() - 1) == '.')) {
                continue; // 1e6
            }
            if (!PROMQL.contains(m.group())) {
                names.add(m.group());
            }
        }
        return names;
    }

    @Test
    void theNameExtractionFindsSeriesAndOnlySeries() {
        assertThat(seriesNames("histogram_quantile(0.5, sum by (le, depth) (rate(a_bucket{node=~\"x|y\"}[5m])"
                + " * on (node) group_left (depth) b_info)) * 8 / 1e6 > bool 0")).containsExactly("a_bucket", "b_info");
        assertThat(seriesNames("label_values(treecast_relay_sessions, node)"))
                .containsExactly("treecast_relay_sessions", "node");
    }

    @Test
    void everyExpressionQueriesOnlyWhatMetricsExposes() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        List<String> exprs = expressions(dashboard);
        assertThat(exprs).hasSizeGreaterThan(20).allSatisfy(e -> assertThat(e).isNotBlank());
        Set<String> used = new TreeSet<>();
        List<String> unknown = new ArrayList<>();
        for (String expr : exprs) {
            Set<String> names = seriesNames(expr);
            // label_values(metric, label): the second argument is a label.
            if (expr.startsWith("label_values(")) {
                names.remove(expr.replaceAll(".*,\\s*([a-zA-Z_]+)\\)$", "$1"));
            }
            assertThat(names).as("series in " + expr).isNotEmpty();
            for (String name : names) {
                used.add(name);
                if (!exposed.contains(name)) {
                    unknown.add(name + " in " + expr);
                }
            }
        }
        assertThat(unknown).as("names the dashboard queries that no /metrics exposes (exposed: " + exposed + ")")
                .isEmpty();
        // The panels the fleet needs are there: egress, viewers, latency, repairs, errors, tree, players.
        assertThat(used).contains("treecast_relay_bytes_forwarded_bytes_total", "treecast_relay_viewers",
                "treecast_relay_latency_from_ingest_seconds_bucket", "treecast_ingest_tree_node",
                "treecast_relay_reparents_total", "treecast_relay_repairs_seconds_bucket",
                "treecast_relay_groups_reset_total", "treecast_relay_protocol_errors_total",
                "treecast_ingest_tree_relays", "treecast_ingest_tree_depth", "treecast_player_ttff_seconds_bucket");
    }

    @Test
    void theDashboardIsAnImportableExportWithOnePrometheusInput() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        assertThat(dashboard.path("__inputs")).hasSize(1);
        assertThat(dashboard.path("__inputs").get(0).path("name").asText()).isEqualTo("DS_PROMETHEUS");
        assertThat(dashboard.path("__inputs").get(0).path("pluginId").asText()).isEqualTo("prometheus");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(ids.add(panel.path("id").asInt())).as("unique panel id").isTrue();
            assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
            }
        }
    }
}
