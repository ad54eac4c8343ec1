package dev.treecast.loadtest.dsl;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

import dev.treecast.loadtest.model.Target;

/**
 * A fleet already running elsewhere, from {@link LoadDsl#fleet()}: give it a {@link #director(String)} (for
 * WebTransport viewers) and/or {@link #relays(String...)} (for QUIC viewers). Each method returns a new builder.
 */
public final class FleetBuilder {
    private final URI director;
    private final List<InetSocketAddress> relays;
    private final InetSocketAddress reference;

    FleetBuilder() {
        this(null, List.of(), null);
    }

    private FleetBuilder(URI director, List<InetSocketAddress> relays, InetSocketAddress reference) {
        this.director = director;
        this.relays = List.copyOf(relays);
        this.reference = reference;
    }

    /** The ingest's HTTP base URL that hands out edges, e.g. {@code http://ingest:8080}. */
    public FleetBuilder director(String url) {
        return new FleetBuilder(parseDirector(url), relays, reference);
    }

    /**
     * The ingest's {@code treecast/1} QUIC address ({@code host:port}, e.g. {@code ingest:4433}): a reference
     * subscriber there records what was published, so that whole groups a viewer never got count as lost.
     */
    public FleetBuilder reference(String hostPort) {
        return new FleetBuilder(director, relays, parseHostPort(hostPort));
    }

    /**
     * The relays' {@code treecast/1} QUIC addresses as {@code host:port} ({@code [::1]:4434} for IPv6); replaces
     * any earlier list. Names are not resolved here: the engine resolves them when it connects.
     */
    public FleetBuilder relays(String... hostPorts) {
        List<InetSocketAddress> parsed = new ArrayList<>(hostPorts.length);
        for (String hostPort : hostPorts) {
            parsed.add(parseHostPort(hostPort));
        }
        return new FleetBuilder(director, parsed, reference);
    }

    /** The target (fails when neither a director nor a relay was given). */
    public Target.Fleet target() {
        return new Target.Fleet(director, relays, reference);
    }

    static URI parseDirector(String url) {
        if (url == null) {
            throw new IllegalArgumentException("director URL is null; expected e.g. http://ingest:8080");
        }
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("director must be an http(s) URL like http://ingest:8080, got '"
                    + url + "': " + e.getReason(), e);
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("director must be an http(s) URL like http://ingest:8080, got '"
                    + url + "'");
        }
        return uri;
    }

    static InetSocketAddress parseHostPort(String hostPort) {
        if (hostPort == null) {
            throw new IllegalArgumentException("relay address is null; expected host:port, e.g. relay-1:4434");
        }
        String s = hostPort.strip();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw badAddress(hostPort, "expected host:port");
        }
        String host = s.substring(0, colon);
        String portText = s.substring(colon + 1);
        if (host.startsWith("[") || host.endsWith("]")) {
            if (!(host.startsWith("[") && host.endsWith("]")) || host.length() < 3) {
                throw badAddress(hostPort, "unbalanced brackets around the IPv6 address");
            }
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw badAddress(hostPort, "write an IPv6 address in brackets, e.g. [::1]:4434");
        }
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw badAddress(hostPort, "bad host");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw badAddress(hostPort, "port '" + portText + "' is not a number");
        }
        if (port < 1 || port > 65_535) {
            throw badAddress(hostPort, "port must be in 1..65535");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static IllegalArgumentException badAddress(String hostPort, String why) {
        return new IllegalArgumentException("bad relay address '" + hostPort + "': " + why);
    }
}
