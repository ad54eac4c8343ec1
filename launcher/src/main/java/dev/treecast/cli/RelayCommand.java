package dev.treecast.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.treecast.gateway.Gateway;
import dev.treecast.gateway.MetricsServer;
import dev.treecast.gateway.GatewayConfig;
import dev.treecast.relay.Relay;
import dev.treecast.relay.RelayConfig;
import dev.treecast.transport.Certificates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** One relay as its own process (one per machine in a real fleet), with its WebTransport edge. */
@Command(name = "relay", mixinStandardHelpOptions = true,
        description = "Runs a relay under a parent (the ingest or another relay): it serves child relays and"
                + " treecast/1 viewers on its QUIC port, and browsers over WebTransport, with the player page on its"
                + " HTTP port.")
final class RelayCommand implements Callable<Integer> {
    /** Either join the self-building tree, or hang under a parent named by hand. */
    static final class Upstream {
        @Option(names = "--join", required = true, converter = Converters.HostPort.class, paramLabel = "HOST:PORT",
                description = "QUIC address of the ingest: its tree controller places this relay (and repairs"
                        + " happen without it).")
        InetSocketAddress join;

        @Option(names = "--parent", required = true, converter = Converters.HostPort.class,
                paramLabel = "HOST:PORT[,HOST:PORT...]", split = ",",
                description = "Hand-configured parents instead of --join, in order of preference: the ingest's QUIC"
                        + " port or other relays'.")
        List<InetSocketAddress> parents;
    }

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "0..1")
    Upstream upstream;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE.yaml",
            description = "Read the settings from this YAML file: each key is one of these flags without its dashes"
                    + " ('treecast config relay' prints them all with their defaults); a flag given here wins.")
    Path config;

    @Option(names = "--drain-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "On SIGTERM, how long to wait for child relays to move elsewhere before closing; keep the"
                    + " orchestrator's grace period longer (default: ${DEFAULT-VALUE}).")
    int drainTimeout;

    @Option(names = "--capacity-mbps", defaultValue = "1000",
            description = "Uplink this relay may use, in Mbit/s (default: ${DEFAULT-VALUE}).")
    double capacityMbps;

    @Option(names = "--stream-mbps", defaultValue = "5",
            description = "Bitrate of the broadcasts, in Mbit/s, to turn capacity into child slots"
                    + " (default: ${DEFAULT-VALUE}).")
    double streamMbps;

    @Option(names = "--margin", defaultValue = "0.2",
            description = "Share of the uplink kept free (default: ${DEFAULT-VALUE}).")
    double margin;

    @Option(names = "--region", defaultValue = "", description = "Where this relay is, e.g. eu-west.")
    String region;

    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--port", defaultValue = "4434",
            description = "QUIC port for child relays and treecast/1 viewers (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--webtransport-port", defaultValue = "4443",
            description = "UDP port for browsers (WebTransport over HTTP/3); 0 disables the edge"
                    + " (default: ${DEFAULT-VALUE}).")
    int webTransportPort;

    @Option(names = "--moq-certificate-port", negatable = true, defaultValue = "true",
            description = "Also serve /certificate.sha256 over TCP on the WebTransport port number, where @moq/watch"
                    + " fetches it for an http:// relay URL (default: ${DEFAULT-VALUE}).")
    boolean moqCertificatePort;

    @Option(names = "--http-port", defaultValue = "8081",
            description = "TCP port for the player page, /certificate.sha256, /api/edge and /metrics; with"
                    + " --webtransport-port 0 only /metrics (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--advertise", paramLabel = "HOST",
            description = "Host name or address browsers use to reach this relay (default: the bind address).")
    String advertise;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "TLS certificate: PEM (chain and key in one file, or the key in --key) or PKCS#12 (.p12)."
                    + " Default: a self-signed ECDSA P-256 certificate made at start-up, valid 10 days.")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM private key, when not in --cert.")
    Path key;

    @Option(names = "--cert-password", paramLabel = "PASSWORD", description = "Password of a PKCS#12 --cert.",
            arity = "0..1", interactive = true)
    char[] certPassword;

    @Option(names = "--node-id", description = "Name in logs and metrics (default: relay-<host>-<port>).")
    String nodeId;

    @Option(names = "--broadcast-key", paramLabel = "BASE64", converter = Converters.BroadcastKey.class,
            description = "The ingest's public key (it prints it at start), to verify object signatures. With --join"
                    + " the tree controller sends it; with --parent this relay cannot verify without it.")
    Converters.PublicKey broadcastKey;

    @Option(names = "--verify", paramLabel = "WHEN", defaultValue = "edge",
            converter = VerifyConverter.class,
            description = "When to check every object's signature before caching and forwarding it: edge (when this"
                    + " relay serves browsers, i.e. --webtransport-port is not 0), always, never"
                    + " (default: ${DEFAULT-VALUE}).")
    RelayConfig.Verify verify;

    @Option(names = "--max-sessions", defaultValue = "10000", paramLabel = "N",
            description = "Sessions served at once on the QUIC port, and WebTransport sessions on the gateway; more"
                    + " are refused with LIMIT_EXCEEDED / 503 (default: ${DEFAULT-VALUE}). See README \"Limits\".")
    int maxSessions;

    @Option(names = "--handshake-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "A connection that has not sent SETUP this long after its first packet is closed with"
                    + " TIMEOUT (default: ${DEFAULT-VALUE}).")
    int handshakeTimeoutSeconds;

    @Option(names = "--operator-key", paramLabel = "BASE64", converter = Converters.OperatorKey.class,
            description = "The operator's public key ('treecast token --new-operator-key' prints it): turns access"
                    + " control on. Child relays then need a relay token, viewers a viewer token for their broadcast."
                    + " Without it the fleet is open: anyone may attach and watch.")
    Converters.PublicKey operatorKey;

    @Option(names = "--fleet-token", paramLabel = "TOKEN",
            description = "This relay's relay token ('treecast token --relay'), presented to its parents and to the"
                    + " tree controller; needed when they check tokens.")
    String fleetToken;

    @Option(names = "--open-viewers",
            description = "With --operator-key: let viewers without a token watch (a token they present is still"
                    + " checked); relays still need theirs.")
    boolean openViewers;

    /** {@code edge}, {@code always}, {@code never}, in any case. */
    static final class VerifyConverter implements picocli.CommandLine.ITypeConverter<RelayConfig.Verify> {
        @Override
        public RelayConfig.Verify convert(String value) {
            try {
                return RelayConfig.Verify.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("expected edge, always or never, got '"
                        + value + "'");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        try {
            applyConfig();
        } catch (ConfigFile.Invalid e) {
            System.err.println("treecast relay: " + e.getMessage());
            return 2;
        }
        String id = nodeId != null ? nodeId
                : "relay-" + java.net.InetAddress.getLocalHost().getHostName() + "-" + port;
        RelayConfig.Builder config = RelayConfig.builder().nodeId(id).bind(new InetSocketAddress(bind, port))
                .broadcastKey(Converters.PublicKey.raw(broadcastKey)).verify(verify)
                .access(new RelayConfig.Access(Converters.PublicKey.raw(operatorKey), !openViewers, fleetToken))
                .limits(dev.treecast.relay.core.Limits.DEFAULT.withMaxSessions(maxSessions)
                        .withHandshakeTimeout(java.time.Duration.ofSeconds(handshakeTimeoutSeconds)));
        if (upstream.join != null) {
            config.tree(RelayConfig.Tree.join(upstream.join, region, slots()).advertise(advertise));
        } else {
            config.parents(upstream.parents);
        }
        if (cert != null) {
            config.certificates(Certificates.load(cert, key, certPassword));
        }
        Relay relay = new Relay(config.build());
        List<AutoCloseable> running = new ArrayList<>();
        try {
            relay.start();
            running.add(relay);
            System.out.printf("relay '%s': QUIC %s, %s%n", id, relay.quicAddress(), upstream.join != null
                    ? "joining the tree at " + upstream.join + " with " + slots() + " child slots"
                    : "parents " + upstream.parents);
            if (webTransportPort > 0) {
                Gateway gateway = new Gateway(relay, GatewayConfig.builder()
                        .webTransportBind(new InetSocketAddress(bind, webTransportPort))
                        .httpBind(new InetSocketAddress(bind, httpPort)).advertisedHost(advertise)
                        .maxSessions(maxSessions).certificateOnWebTransportPort(moqCertificatePort)
                        .handshakeTimeout(java.time.Duration.ofSeconds(handshakeTimeoutSeconds)).build()).start();
                running.add(0, gateway);
                relay.edge(gateway.webTransportUrl(""), relay.certificates().sha256Hex());
                System.out.printf("browsers: WebTransport %s, player http://%s:%d/watch/<broadcast>,"
                                + " certificate sha-256 %s%n", gateway.webTransportUrl("<broadcast>"),
                        advertise != null ? advertise : bind.equals("0.0.0.0") ? "127.0.0.1" : bind,
                        gateway.httpAddress().getPort(), relay.certificates().sha256Hex());
            } else {
                MetricsServer metrics = MetricsServer.start(relay, new InetSocketAddress(bind, httpPort));
                running.add(0, metrics);
                System.out.printf("metrics: http://%s:%d/metrics%n", advertise != null ? advertise
                        : bind.equals("0.0.0.0") ? "127.0.0.1" : bind, metrics.localAddress().getPort());
            }
        } catch (Exception e) {
            DemoCommand.closeAll(running);
            relay.close();
            throw DemoCommand.portInUse(e, "--port / --webtransport-port / --http-port");
        }
        // SIGTERM drains: child relays move to other parents while this relay still feeds them; then the gateway
        // tells its viewers GOING_AWAY (players fail over), then the relay closes.
        List<AutoCloseable> shutdown = new ArrayList<>();
        shutdown.add(() -> relay.drain(java.time.Duration.ofSeconds(drainTimeout)));
        shutdown.addAll(running);
        return runUntilTerminated(shutdown);
    }

    /**
     * Fills in what {@code --config} has and the command line does not; then requires an upstream: --join or
     * --parent on the command line (wins whole), else join or parent in the file (one of them).
     */
    void applyConfig() {
        ConfigFile.RelayFile file = config == null ? null : ConfigFile.apply(spec, config, ConfigFile.RelayFile.class);
        if (upstream == null && file != null && (file.join() != null || file.parent() != null)) {
            if (file.join() != null && file.parent() != null) {
                throw new ConfigFile.Invalid(config + ": join and parent are exclusive: give one of them");
            }
            upstream = new Upstream();
            upstream.join = file.join();
            upstream.parents = file.parent();
        }
        if (upstream == null) {
            throw new ConfigFile.Invalid("give --join HOST:PORT or --parent HOST:PORT (or join or parent in --config)");
        }
    }

    /** Child relays this relay can feed: uplink ÷ stream bitrate, minus the margin. */
    int slots() {
        return (int) Math.max(0, Math.floor(capacityMbps * (1 - margin) / streamMbps));
    }

    /** Blocks until SIGINT/SIGTERM, then closes {@code running} (in order) and returns 0. */
    static int runUntilTerminated(List<AutoCloseable> running) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            DemoCommand.closeAll(running);
            stopped.countDown();
        }, "treecast-shutdown"));
        stopped.await();
        return 0;
    }
}
