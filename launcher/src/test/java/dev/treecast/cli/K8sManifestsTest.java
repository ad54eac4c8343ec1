package dev.treecast.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.treecast.gateway.Gateway;
import picocli.CommandLine;

/**
 * The Kubernetes manifests in deploy/k8s agree with the code: no cluster runs here, so every document is parsed and
 * held to what the image and the commands really do (ports, config keys, flags, probes, the drain's grace period).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class K8sManifestsTest {
    static final Path K8S = ConfigFileTest.ROOT.resolve("deploy/k8s/base");
    static final Path HOST_NETWORK = ConfigFileTest.ROOT.resolve("deploy/k8s/hostnetwork");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** kind/name -> document, over every file kustomization.yaml lists. */
    private final Map<String, JsonNode> docs = new HashMap<>();
    private final JsonNode kustomization;

    K8sManifestsTest() throws IOException {
        kustomization = YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
        for (JsonNode resource : kustomization.get("resources")) {
            try (var parser = YAML.getFactory().createParser(K8S.resolve(resource.asText()).toFile())) {
                for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                    JsonNode doc = it.next();
                    assertThat(doc.path("apiVersion").asText()).as("%s: apiVersion", resource).isNotEmpty();
                    assertThat(doc.path("metadata").path("name").asText()).as("%s: name", resource).isNotEmpty();
                    docs.put(doc.get("kind").asText() + "/" + doc.at("/metadata/name").asText(), doc);
                }
            }
        }
    }

    private JsonNode doc(String kindAndName) {
        assertThat(docs).as("documents").containsKey(kindAndName);
        return docs.get(kindAndName);
    }

    private static JsonNode container(JsonNode workload) {
        JsonNode containers = workload.at("/spec/template/spec/containers");
        assertThat(containers.size()).isEqualTo(1);
        return containers.get(0);
    }

    /** containerPort of the named port, with its protocol. */
    private static String port(JsonNode container, String name) {
        for (JsonNode p : container.get("ports")) {
            if (p.get("name").asText().equals(name)) {
                return p.get("containerPort").asInt() + "/" + p.path("protocol").asText("TCP");
            }
        }
        throw new AssertionError("no port " + name + " in " + container);
    }

    /** The config file the workload's args name, from the ConfigMap's source file. */
    private Path configFile(JsonNode workload) {
        JsonNode c = container(workload);
        List<String> args = args(c);
        String inPod = args.get(args.indexOf("--config") + 1);
        JsonNode mount = null;
        for (JsonNode m : c.get("volumeMounts")) {
            if (inPod.startsWith(m.get("mountPath").asText() + "/")) {
                mount = m;
            }
        }
        assertThat(mount).as("a volume mounted where --config %s is", inPod).isNotNull();
        String volume = mount.get("name").asText();
        JsonNode configMap = null;
        for (JsonNode v : workload.at("/spec/template/spec/volumes")) {
            if (v.get("name").asText().equals(volume)) {
                configMap = v.get("configMap");
            }
        }
        assertThat(configMap).as("volume %s is a ConfigMap", volume).isNotNull();
        JsonNode generator = kustomization.get("configMapGenerator").get(0);
        assertThat(configMap.get("name").asText()).isEqualTo(generator.get("name").asText());
        String fileName = inPod.substring(inPod.lastIndexOf('/') + 1);
        List<String> files = new ArrayList<>();
        generator.get("files").forEach(f -> files.add(f.asText()));
        String source = files.stream().filter(f -> f.endsWith("/" + fileName)).findFirst()
                .orElseThrow(() -> new AssertionError(fileName + " is not in the ConfigMap: " + files));
        return K8S.resolve(source);
    }

    /** The container's args, with the downward API's $(VARS) replaced by values a pod would have. */
    private static List<String> args(JsonNode container) {
        List<String> args = new ArrayList<>();
        container.get("args").forEach(a -> args.add(a.asText().replace("$(POD_NAME)", "treecast-relay-0")
                .replace("$(POD_IP)", "10.1.2.3")));
        return args;
    }

    @Test
    void theImageIsTheOneJibBuilds() {
        String image = System.getProperty("image.name");
        assertThat(image).as("surefire passes the launcher pom's image.name").isNotBlank();
        for (String workload : List.of("Deployment/treecast-ingest", "StatefulSet/treecast-relay")) {
            assertThat(container(doc(workload)).get("image").asText()).as(workload).isEqualTo(image);
            // loaded from the tar (kind load, ctr import), never pulled: IfNotPresent
            assertThat(container(doc(workload)).get("imagePullPolicy").asText()).isEqualTo("IfNotPresent");
        }
        JsonNode images = kustomization.get("images").get(0);
        assertThat(images.get("name").asText() + ":" + images.get("newTag").asText()).isEqualTo(image);
    }

    @Test
    void theIngestRunsItsConfigFileAndItsPortsAreTheConfigs() throws IOException {
        JsonNode ingest = doc("Deployment/treecast-ingest");
        assertThat(ingest.at("/spec/replicas").asInt()).as("one root").isEqualTo(1);
        IngestCommand command = new IngestCommand();
        List<String> args = args(container(ingest));
        assertThat(args.getFirst()).isEqualTo("ingest");
        new CommandLine(command).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
        assertThat(command.config).isEqualTo(Path.of("/etc/treecast/ingest.yaml"));
        // The same loader as the process: unknown keys or wrong types would throw here.
        ConfigFile.apply(command.spec, configFile(ingest), ConfigFile.IngestFile.class);
        assertThat(port(container(ingest), "quic")).isEqualTo(command.quicPort + "/UDP");
        assertThat(port(container(ingest), "http")).isEqualTo(command.httpPort + "/TCP");
        assertThat(command.advertise).as("relays reach the root by its Service").isEqualTo("treecast-ingest");
        assertThat(doc("Service/treecast-ingest").at("/spec/ports").findValuesAsText("port"))
                .containsExactly(String.valueOf(command.quicPort), String.valueOf(command.httpPort));
        assertThat(container(ingest).at("/readinessProbe/httpGet/path").asText()).isEqualTo("/healthz");
        assertThat(command.signingKey.toString()).as("the key goes to a writable volume")
                .startsWith(mountPath(container(ingest), "data") + "/");
    }

    @Test
    void relaysRunTheirConfigFileAdvertiseThePodIpAndGetTheGracePeriodTheirDrainNeeds() throws IOException {
        JsonNode relay = doc("StatefulSet/treecast-relay");
        JsonNode c = container(relay);
        RelayCommand command = new RelayCommand();
        List<String> args = args(c);
        assertThat(args.getFirst()).isEqualTo("relay");
        new CommandLine(command).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
        command.config = configFile(relay); // the ConfigMap's source, where the pod has /etc/treecast/relay.yaml
        command.applyConfig();
        assertThat(command.upstream.join.getHostString() + ":" + command.upstream.join.getPort())
                .as("relays join the ingest's Service at its QUIC port")
                .isEqualTo("treecast-ingest:" + doc("Service/treecast-ingest").at("/spec/ports/0/port").asInt());
        assertThat(command.advertise).as("--advertise $(POD_IP)").isEqualTo("10.1.2.3");
        assertThat(command.nodeId).as("--node-id $(POD_NAME)").isEqualTo("treecast-relay-0");
        Map<String, String> env = new HashMap<>();
        c.get("env").forEach(e -> env.put(e.get("name").asText(), e.at("/valueFrom/fieldRef/fieldPath").asText()));
        assertThat(env).containsEntry("POD_IP", "status.podIP").containsEntry("POD_NAME", "metadata.name");

        assertThat(port(c, "quic")).isEqualTo(command.port + "/UDP");
        assertThat(port(c, "webtransport")).isEqualTo(command.webTransportPort + "/UDP");
        assertThat(port(c, "http")).isEqualTo(command.httpPort + "/TCP");
        assertThat(command.moqCertificatePort).as("moq-certificate-port in the relays' config").isTrue();
        assertThat(port(c, "certificate")).as("moq-lite players fetch /certificate.sha256 over TCP there")
                .isEqualTo(command.webTransportPort + "/TCP");
        JsonNode service = doc("Service/treecast-relay");
        assertThat(service.at("/spec/clusterIP").asText()).isEqualTo("None");
        assertThat(relay.at("/spec/serviceName").asText()).isEqualTo("treecast-relay");
        assertThat(service.at("/spec/ports").findValuesAsText("port")).containsExactly(String.valueOf(command.port),
                String.valueOf(command.webTransportPort), String.valueOf(command.webTransportPort),
                String.valueOf(command.httpPort));
        assertThat(service.at("/spec/ports").findValuesAsText("protocol")).containsExactly("UDP", "UDP", "TCP", "TCP");

        assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo(Gateway.EDGE_PATH);
        assertThat(c.at("/readinessProbe/httpGet/port").asText()).isEqualTo("http");
        // SIGTERM drains for up to drain-timeout, then closes the gateway and the relay: a few seconds more.
        assertThat(relay.at("/spec/template/spec/terminationGracePeriodSeconds").asInt())
                .isGreaterThanOrEqualTo(command.drainTimeout + 10);
    }

    @Test
    void podsRunAsTheImagesUserWithAWritableTmpForNettysNativeLibraries() {
        for (String workload : List.of("Deployment/treecast-ingest", "StatefulSet/treecast-relay")) {
            JsonNode w = doc(workload);
            assertThat(w.at("/spec/template/spec/securityContext/runAsUser").asInt()).as(workload).isEqualTo(65532);
            assertThat(w.at("/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem").asBoolean())
                    .isTrue();
            assertThat(mountPath(container(w), "tmp")).isEqualTo("/tmp");
            JsonNode labels = w.at("/spec/template/metadata/labels");
            w.at("/spec/selector/matchLabels").fields().forEachRemaining(e ->
                    assertThat(labels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
        }
        for (String service : List.of("Service/treecast-ingest", "Service/treecast-relay")) {
            String app = doc(service).at("/spec/selector/app.kubernetes.io~1name").asText();
            assertThat(docs.values().stream().filter(d -> d.has("spec") && d.at("/spec/template").isObject())
                    .map(d -> d.at("/spec/template/metadata/labels/app.kubernetes.io~1name").asText()))
                    .as("%s selects a workload's pods", service).contains(app);
        }
    }

    @Test
    void theHostNetworkOverlayPatchesTheRelayStatefulSet() throws IOException {
        JsonNode overlay = YAML.readTree(HOST_NETWORK.resolve("kustomization.yaml").toFile());
        assertThat(HOST_NETWORK.resolve(overlay.at("/resources/0").asText()).normalize()).isEqualTo(K8S);
        JsonNode patch = overlay.at("/patches/0");
        assertThat(patch.at("/target/kind").asText() + "/" + patch.at("/target/name").asText())
                .isEqualTo("StatefulSet/treecast-relay");
        JsonNode ops = YAML.readTree(patch.get("patch").asText());
        List<String> paths = new ArrayList<>();
        ops.forEach(op -> paths.add(op.get("path").asText()));
        assertThat(paths).contains("/spec/template/spec/hostNetwork", "/spec/template/spec/dnsPolicy");
        // the replaced path exists in the base
        assertThat(doc("StatefulSet/treecast-relay").at("/spec/template/spec/affinity/podAntiAffinity").isObject())
                .isTrue();
    }

    @Test
    void everyManifestFileIsInTheKustomization() throws IOException {
        List<String> listed = new ArrayList<>();
        kustomization.get("resources").forEach(r -> listed.add(r.asText()));
        try (Stream<Path> files = Files.list(K8S)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml"))
                    .filter(f -> !f.equals("kustomization.yaml"))).containsExactlyInAnyOrderElementsOf(listed);
        }
    }

    /**
     * Where kubectl is installed (it is on this project's machines; no cluster is), its kustomize renders both
     * kustomizations: the ConfigMap gets its content hash and every reference to it follows.
     */
    @Test
    void kubectlKustomizeRendersTheBaseAndTheOverlay() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed: not rendered");
        JsonNode configMap = null;
        List<JsonNode> rendered = render(K8S);
        for (JsonNode doc : rendered) {
            if (doc.get("kind").asText().equals("ConfigMap")) {
                configMap = doc;
            }
        }
        assertThat(configMap).isNotNull();
        String hashed = configMap.at("/metadata/name").asText();
        assertThat(hashed).startsWith("treecast-config-");
        assertThat(configMap.at("/data/relay.yaml").asText())
                .isEqualTo(Files.readString(K8S.resolve("config/relay.yaml")));
        for (JsonNode doc : rendered) {
            if (doc.at("/spec/template").isObject()) {
                assertThat(doc.at("/spec/template/spec/volumes").findValuesAsText("name")).contains(hashed);
                assertThat(doc.at("/metadata/namespace").asText()).isEqualTo("treecast");
            }
        }
        JsonNode relay = render(HOST_NETWORK).stream().filter(d -> d.get("kind").asText().equals("StatefulSet"))
                .findFirst().orElseThrow();
        assertThat(relay.at("/spec/template/spec/hostNetwork").asBoolean()).isTrue();
        assertThat(relay.at("/spec/template/spec/affinity/podAntiAffinity")
                .has("requiredDuringSchedulingIgnoredDuringExecution")).as("one relay per node").isTrue();
    }

    private static List<JsonNode> render(Path kustomization) throws Exception {
        Process kubectl = new ProcessBuilder("kubectl", "kustomize", kustomization.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = kubectl.getInputStream().readAllBytes();
        assertThat(kubectl.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as("kubectl kustomize %s", kustomization).isZero();
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(out)) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
        return docs;
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    private static String mountPath(JsonNode container, String volume) {
        for (JsonNode m : container.get("volumeMounts")) {
            if (m.get("name").asText().equals(volume)) {
                return m.get("mountPath").asText();
            }
        }
        throw new AssertionError("no volume " + volume + " mounted");
    }
}
