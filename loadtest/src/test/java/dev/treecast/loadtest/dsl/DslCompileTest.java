package dev.treecast.loadtest.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An incomplete or mismatched load profile does not compile: each case is a line that javac rejects, next to the
 * completed line that it accepts in the very same template, so the error is the DSL's shape and not the template.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DslCompileTest {
    /** The line of the template the snippet goes on (1-based, as javac reports it). */
    private static final int SNIPPET_LINE = 9;

    private static final String TEMPLATE = """
            package snippet;
            import static dev.treecast.loadtest.dsl.LoadDsl.*;
            import static java.time.Duration.ofSeconds;
            import dev.treecast.loadtest.dsl.*;
            import dev.treecast.loadtest.model.*;
            public final class Snippet extends Simulation {
                {
                    ScenarioBuilder s = scenario("s").exec(watch("demo").forDuration(ofSeconds(5)));
                    %s
                }
            }
            """;

    private static final String SET_UP = "setUp(s.injectOpen(atOnceUsers(1)))";

    /** One compiler and file manager for all cases: javac then opens the classpath's jars once, not per case. */
    private static JavaCompiler javac;
    private static StandardJavaFileManager files;

    @TempDir
    Path out;

    @BeforeAll
    static void openCompiler() {
        javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK's compiler (tests must run on a JDK, not a JRE)").isNotNull();
        files = javac.getStandardFileManager(null, Locale.ROOT, null);
    }

    @AfterAll
    static void closeCompiler() throws IOException {
        if (files != null) {
            files.close();
        }
    }

    static Stream<Arguments> invalidAndFixed() {
        return Stream.of(
                Arguments.of("rampUsers without during", "RampUsers cannot be converted",
                        "setUp(s.injectOpen(rampUsers(10)));",
                        "setUp(s.injectOpen(rampUsers(10).during(ofSeconds(10))));"),
                Arguments.of("closed step in an open profile", "Injection.Closed cannot be converted to dev.treecast.loadtest.model.Injection.Open",
                        "setUp(s.injectOpen(constantConcurrentUsers(5).during(ofSeconds(10))));",
                        "setUp(s.injectClosed(constantConcurrentUsers(5).during(ofSeconds(10))));"),
                Arguments.of("open step in a closed profile", "Injection.Open cannot be converted to dev.treecast.loadtest.model.Injection.Closed",
                        "setUp(s.injectClosed(atOnceUsers(3)));",
                        "setUp(s.injectOpen(atOnceUsers(3)));"),
                Arguments.of("open and closed steps mixed", "Injection.Closed cannot be converted to dev.treecast.loadtest.model.Injection.Open",
                        "setUp(s.injectOpen(atOnceUsers(3), constantConcurrentUsers(5).during(ofSeconds(10))));",
                        "setUp(s.injectOpen(atOnceUsers(3), constantUsersPerSec(5).during(ofSeconds(10))));"),
                Arguments.of("constantUsersPerSec without during", "ConstantUsersPerSec cannot be converted",
                        "setUp(s.injectOpen(constantUsersPerSec(2.5)));",
                        "setUp(s.injectOpen(constantUsersPerSec(2.5).during(ofSeconds(4))));"),
                Arguments.of("rampUsersPerSec without to", "location: class dev.treecast.loadtest.dsl.RampUsersPerSec",
                        "setUp(s.injectOpen(rampUsersPerSec(1).during(ofSeconds(10))));",
                        "setUp(s.injectOpen(rampUsersPerSec(1).to(10).during(ofSeconds(10))));"),
                Arguments.of("rampUsersPerSec().to() without during", "RampUsersPerSec.To cannot be converted",
                        "setUp(s.injectOpen(rampUsersPerSec(1).to(10)));",
                        "setUp(s.injectOpen(rampUsersPerSec(1).to(10).during(ofSeconds(10))));"),
                Arguments.of("rampConcurrentUsers without to", "location: class dev.treecast.loadtest.dsl.RampConcurrentUsers",
                        "setUp(s.injectClosed(rampConcurrentUsers(1).during(ofSeconds(10))));",
                        "setUp(s.injectClosed(rampConcurrentUsers(1).to(5).during(ofSeconds(10))));"),
                Arguments.of("an empty profile", "method injectOpen",
                        "setUp(s.injectOpen());",
                        "setUp(s.injectOpen(nothingFor(ofSeconds(1))));"),
                Arguments.of("watch without forDuration", "WatchBuilder cannot be converted",
                        "setUp(scenario(\"t\").exec(watch(\"demo\")).injectOpen(atOnceUsers(1)));",
                        "setUp(scenario(\"t\").exec(watch(\"demo\").forDuration(ofSeconds(9))).injectOpen(atOnceUsers(1)));"),
                Arguments.of("chaos step without a time", "ChaosBuilder cannot be converted",
                        SET_UP + ".chaos(killRelay(anyRelay()));",
                        SET_UP + ".chaos(killRelay(anyRelay()).at(ofSeconds(1)));"),
                Arguments.of("thenEvery on a step that already repeats", "method thenEvery",
                        SET_UP + ".chaos(killRelay(anyRelay()).every(ofSeconds(5)).thenEvery(ofSeconds(5)));",
                        SET_UP + ".chaos(killRelay(anyRelay()).at(ofSeconds(5)).thenEvery(ofSeconds(5)));"),
                Arguments.of("a statistic without a condition", "Statistic cannot be converted",
                        SET_UP + ".assertions(global().latency().percentile(99));",
                        SET_UP + ".assertions(global().latency().percentile(99).lt(500));"),
                Arguments.of("a metric without a statistic", "TimeMetric cannot be converted",
                        SET_UP + ".assertions(global().latency());",
                        SET_UP + ".assertions(global().latency().max().lt(500));"),
                Arguments.of("chaos on a fleet", "location: class dev.treecast.loadtest.dsl.FleetSetUp",
                        SET_UP + ".target(fleet().director(\"http://x:8080\")).chaos(killRelay(anyRelay()).at(ofSeconds(1)));",
                        SET_UP + ".target(inProcessCluster()).chaos(killRelay(anyRelay()).at(ofSeconds(1)));"),
                Arguments.of("a fleet after chaos", "location: class dev.treecast.loadtest.dsl.ClusterSetUp",
                        SET_UP + ".chaos(killRelay(anyRelay()).at(ofSeconds(1))).target(fleet().director(\"http://x:8080\"));",
                        SET_UP + ".target(fleet().director(\"http://x:8080\")).assertions(failedViewers().is(0));"),
                Arguments.of("a second target", "location: class dev.treecast.loadtest.dsl.ClusterSetUp",
                        SET_UP + ".target(inProcessCluster()).target(inProcessCluster());",
                        SET_UP + ".target(inProcessCluster()).maxDuration(ofSeconds(60));"));
    }

    @Test
    void theFullValidSnippetCompiles() {
        String snippet = SET_UP
                + ".target(inProcessCluster().levels(2, 4)).chaos(killRelay(anyRelay()).every(ofSeconds(5)))"
                + ".maxDuration(ofSeconds(60)).assertions(global().latency().percentile(99).lt(500),"
                + " stalls().ratio().lt(0.01), failedViewers().is(0));";

        assertThat(errors(compile(snippet))).isEmpty();
    }

    /** The case, a fragment its compile error must contain, the invalid line, the same line completed. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidAndFixed")
    void anIncompleteProfileIsACompileErrorOnItsLine(String what, String blamed, String invalid, String fixed) {
        assertThat(errors(compile(fixed))).as("the completed line compiles: " + fixed).isEmpty();

        List<Diagnostic<? extends JavaFileObject>> errors = errors(compile(invalid));

        assertThat(errors).as(what + ": " + invalid).isNotEmpty();
        assertThat(describe(errors)).as("the error names what is wrong").contains(blamed);
        assertThat(errors).as(describe(errors)).allSatisfy(e -> {
            assertThat(e.getLineNumber()).isEqualTo(SNIPPET_LINE);
            // the DSL's shape, not a name the template failed to import
            assertThat(e.getMessage(Locale.ROOT)).doesNotContainPattern("symbol:\\s+(class|variable)")
                    .doesNotContain("does not exist");
        });
    }

    private List<Diagnostic<? extends JavaFileObject>> compile(String snippet) {
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> options = List.of("-classpath", System.getProperty("java.class.path"),
                "-d", out.toString(), "-proc:none", "-Xlint:none");
        JavaFileObject source = new Source("snippet/Snippet.java", TEMPLATE.formatted(snippet));
        javac.getTask(null, files, diagnostics, options, null, List.of(source)).call();
        return diagnostics.getDiagnostics();
    }

    private static List<Diagnostic<? extends JavaFileObject>> errors(
            List<Diagnostic<? extends JavaFileObject>> diagnostics) {
        return diagnostics.stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR).toList();
    }

    private static String describe(List<Diagnostic<? extends JavaFileObject>> errors) {
        return errors.stream().map(e -> "line " + e.getLineNumber() + ": " + e.getMessage(Locale.ROOT))
                .collect(Collectors.joining("\n"));
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String code;

        Source(String path, String code) {
            super(URI.create("string:///" + path), Kind.SOURCE);
            this.code = code;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return code;
        }
    }
}
