package dev.treecast.cli;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.treecast.ingest.Ingest;
import dev.treecast.ingest.IngestConfig;
import dev.treecast.ingest.SigningKeys;
import dev.treecast.media.BoxReader;
import dev.treecast.relay.RelayConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The ingest as its own process: root of the tree, fed by encoders over HTTP. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Runs the ingest: the root of the relay tree and its controller. Encoders upload live CMAF"
                + " with PUT http://HOST:HTTP_PORT/ingest/<broadcast>; relays join at QUIC_PORT; browsers open"
                + " http://HOST:HTTP_PORT/watch/<broadcast> and the director sends them to a relay.")
final class IngestCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE.yaml",
            description = "Read the settings from this YAML file: each key is one of these flags without its dashes"
                    + " ('treecast config ingest' prints them all with their defaults); a flag given here wins.")
    Path config;

    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--quic-port", defaultValue = "4433",
            description = "QUIC port relays connect to (default: ${DEFAULT-VALUE}).")
    int quicPort;

    @Option(names = "--http-port", defaultValue = "8080",
            description = "HTTP port for uploads and the API (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--node-id", defaultValue = "ingest", description = "Name in logs and metrics.")
    String nodeId;

    @Option(names = "--clip", paramLabel = "BROADCAST",
            description = "Also play the built-in looping clip as this broadcast.")
    String clip;

    @Option(names = "--synthetic", paramLabel = "BROADCAST",
            description = "Also publish a synthetic stream (for load tests) as this broadcast.")
    String synthetic;

    @Option(names = "--bitrate", defaultValue = "2500k", converter = Converters.Bitrate.class,
            description = "Bitrate of --synthetic, e.g. 2500k or 6M (default: ${DEFAULT-VALUE}).")
    long bitrate;

    @Option(names = "--root-slots", defaultValue = "4",
            description = "Relays the ingest feeds itself; the tree controller places the others below them"
                    + " (default: ${DEFAULT-VALUE}).")
    int rootSlots;

    @Option(names = "--viewer-capacity", defaultValue = "1000",
            description = "Browser viewers the director sends to one relay at most (default: ${DEFAULT-VALUE}).")
    int viewerCapacity;

    @Option(names = "--advertise", paramLabel = "HOST",
            description = "Host relays use to reach the ingest (default: the bind address, or 127.0.0.1 for 0.0.0.0).")
    String advertise;

    @Option(names = "--signing-key", paramLabel = "FILE",
            description = "Ed25519 private key (PKCS#8 PEM) every object is signed with; made and written there on"
                    + " first start when the file does not exist (default: " + DEFAULT_SIGNING_KEY + " in the working"
                    + " directory). Relays placed by the tree controller learn the public key from it.")
    Path signingKey;

    static final String DEFAULT_SIGNING_KEY = "treecast-ingest-key.pem";

    @Option(names = "--operator-key-file", paramLabel = "FILE",
            description = "The operator's private key (PKCS#8 PEM, 'treecast token --new-operator-key'): access"
                    + " control on (relays need a relay token to join, viewers a viewer token), and the director"
                    + " hands every viewer a fresh token: demo mode, anyone who asks the director gets one.")
    Path operatorKeyFile;

    @Option(names = "--operator-key", paramLabel = "BASE64", converter = Converters.OperatorKey.class,
            description = "The operator's public key only: access control on, tokens minted elsewhere"
                    + " ('treecast token', your own service); the director hands out none.")
    Converters.PublicKey operatorKey;

    @Option(names = "--open-viewers",
            description = "With an operator key: let viewers without a token watch from the ingest itself (a token"
                    + " they present is still checked); relays still need theirs.")
    boolean openViewers;

    @Override
    public Integer call() throws Exception {
        if (config != null) {
            try {
                ConfigFile.apply(spec, config, ConfigFile.IngestFile.class);
            } catch (ConfigFile.Invalid e) {
                System.err.println("treecast ingest: " + e.getMessage());
                return 2;
            }
        }
        if (operatorKeyFile != null && operatorKey != null) {
            System.err.println("give the operator key either as --operator-key-file (private: the director mints"
                    + " tokens) or as --operator-key (public: tokens are only checked), not both");
            return 2;
        }
        KeyPair operator = operatorKeyFile == null ? null : SigningKeys.load(operatorKeyFile);
        byte[] checkWith = operator != null
                ? dev.treecast.protocol.data.ObjectSignature.rawPublicKey(operator.getPublic())
                : Converters.PublicKey.raw(operatorKey);
        KeyPair key = signingKey();
        Ingest ingest = new Ingest(new IngestConfig(RelayConfig.builder().nodeId(nodeId)
                .bind(new InetSocketAddress(bind, quicPort))
                .access(new RelayConfig.Access(checkWith, !openViewers, "")).build(),
                new InetSocketAddress(bind, httpPort), BoxReader.DEFAULT_MAX_BOX_SIZE, rootSlots, viewerCapacity,
                advertise, key, operator));
        try {
            ingest.start();
        } catch (Exception e) {
            throw DemoCommand.portInUse(e, "--http-port / --quic-port");
        }
        List<AutoCloseable> running = new ArrayList<>(List.of(ingest));
        if (clip != null) {
            ingest.playDemoClip(clip);
        }
        if (synthetic != null) {
            ingest.synthetic(synthetic, bitrate);
        }
        System.out.printf("ingest '%s': relays connect to QUIC %s; encoders PUT to http://%s:%d/ingest/<broadcast>%n",
                nodeId, ingest.quicAddress(), bind, ingest.httpAddress().getPort());
        System.out.printf("broadcast key %s (relays not placed by the tree controller: --broadcast-key %s)%n",
                ingest.publicKeyBase64(), ingest.publicKeyBase64());
        if (checkWith != null) {
            String base64 = java.util.Base64.getEncoder().encodeToString(checkWith);
            System.out.printf("access control on: relays join with a relay token (--fleet-token), viewers %s;"
                    + " relays check tokens with --operator-key %s%s%n", openViewers ? "may come without a token"
                    : "need a viewer token", base64, operator != null
                    ? "; the director hands every viewer a token (demo mode)" : "");
        } else {
            System.out.println("open fleet: anyone may join and watch (--operator-key-file or --operator-key turns"
                    + " access control on)");
        }
        return RelayCommand.runUntilTerminated(running);
    }

    /**
     * The key from {@code --signing-key}, made and written there on first start. Without the option, the default
     * file; if that cannot be written (a read-only directory), a key for this run only, with a warning.
     */
    private KeyPair signingKey() {
        Path file = signingKey != null ? signingKey : Path.of(DEFAULT_SIGNING_KEY);
        SigningKeys.Loaded loaded;
        try {
            loaded = SigningKeys.loadOrCreate(file);
        } catch (java.io.UncheckedIOException e) {
            if (signingKey != null) {
                throw e;
            }
            System.out.printf("warning: %s; signing with a key made for this run (relays placed by the tree"
                    + " controller learn it; others need --broadcast-key)%n", e.getMessage());
            return SigningKeys.generate();
        }
        if (loaded.created()) {
            System.out.printf("made a new signing key in %s; its public key (the broadcast key) is %s%n",
                    file.toAbsolutePath(), SigningKeys.publicKeyBase64(loaded.pair()));
        }
        return loaded.pair();
    }
}
