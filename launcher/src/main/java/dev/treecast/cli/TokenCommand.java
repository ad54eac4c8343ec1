package dev.treecast.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

import dev.treecast.ingest.SigningKeys;
import dev.treecast.protocol.auth.AccessToken;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The operator's side of access control: makes the operator key, and mints viewer and relay tokens with it (see
 * {@link AccessToken}). What scripts want (the token, the public key) goes alone to standard output, the words to
 * standard error, so {@code TOKEN=$(./treecast token ...)} works.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = {"Makes the operator key and mints access tokens with it.",
                "  token --new-operator-key op.pem                                     a key pair: prints the public key",
                "  token --operator-key-file op.pem --broadcast B --ttl 2h [--region R]   a viewer token",
                "  token --operator-key-file op.pem --relay --ttl 30d                    a relay (fleet) token"})
final class TokenCommand implements Callable<Integer> {
    @Option(names = "--new-operator-key", paramLabel = "FILE",
            description = "Make an operator key pair: the private key goes to FILE (PKCS#8 PEM, readable by its owner"
                    + " only; an existing file is never overwritten), the public key (for --operator-key) is printed.")
    Path newKey;

    @Option(names = "--operator-key-file", paramLabel = "FILE",
            description = "The operator's private key (PKCS#8 PEM) to sign the token with.")
    Path keyFile;

    @Option(names = "--broadcast", paramLabel = "B", description = "A viewer token for broadcast B.")
    String broadcast;

    @Option(names = "--relay", description = "A relay (fleet) token: admits a relay to the whole fleet.")
    boolean relay;

    @Option(names = "--ttl", paramLabel = "DURATION", converter = Converters.Ttl.class,
            description = "How long the token is valid from now: 90m, 2h, 30d, ...")
    Duration ttl;

    @Option(names = "--region", paramLabel = "R",
            description = "Viewer tokens only: valid only at relays started with --region R.")
    String region;

    @Option(names = "--id", paramLabel = "TEXT", defaultValue = "",
            description = "Free text carried in the token (who it is for), at most 64 bytes.")
    String id;

    private final PrintStream out;
    private final PrintStream err;

    TokenCommand() {
        this(System.out, System.err);
    }

    TokenCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        if (newKey != null) {
            if (keyFile != null || broadcast != null || relay || ttl != null) {
                return usage("--new-operator-key makes a key; mint tokens with it in a second command");
            }
            return makeKey();
        }
        if (keyFile == null) {
            return usage("give --new-operator-key FILE, or --operator-key-file FILE to mint a token");
        }
        if ((broadcast == null) == !relay) {
            return usage("a token is either for a viewer (--broadcast B) or for a relay (--relay)");
        }
        if (ttl == null) {
            return usage("say how long the token is valid: --ttl 2h (90m, 30d, ...)");
        }
        if (relay && region != null) {
            return usage("--region scopes viewer tokens; a relay token admits to the whole fleet");
        }
        KeyPair key = SigningKeys.load(keyFile);
        long expires = Instant.now().plus(ttl).getEpochSecond();
        AccessToken token;
        try {
            token = relay ? AccessToken.relay(expires, id) : AccessToken.viewer(broadcast, region, expires, id);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        out.println(token.sign(key.getPrivate()));
        err.printf("%s, valid until %s, signed by operator key %s%n", token, Instant.ofEpochSecond(expires),
                SigningKeys.publicKeyBase64(key));
        return 0;
    }

    private int makeKey() throws java.io.IOException {
        if (Files.exists(newKey)) {
            err.printf("%s exists already: not overwriting an operator key (every token it signed would stop"
                    + " working)%n", newKey);
            return 1;
        }
        SigningKeys.Loaded made = SigningKeys.loadOrCreate(newKey);
        out.println(SigningKeys.publicKeyBase64(made.pair()));
        err.printf("wrote the operator's private key to %s: keep it secret. Its public key (above) is what relays and"
                + " the ingest check tokens with: --operator-key %s%n", newKey.toAbsolutePath(),
                SigningKeys.publicKeyBase64(made.pair()));
        return 0;
    }

    private int usage(String message) {
        err.println("treecast token: " + message);
        return 2;
    }
}
