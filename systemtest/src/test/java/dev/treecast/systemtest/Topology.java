package dev.treecast.systemtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Hosts in network namespaces of their own, each with one link (a veth pair) to a switch namespace that routes
 * between them through a TUN device, where {@code DelayLine} applies each link's delay and loss. Host {@code i} is
 * {@code 10.77.i.2}, its end of the switch {@code 10.77.i.1}; hosts know only a route to {@code 10.77.0.0/16}, and
 * nothing links any of these namespaces to the machine's own (no veth into it, no default route), so no packet
 * can leave them.
 *
 * <p>Names carry a random suffix ({@code tc-<suffix>-<host>}), so that reruns and parallel runs never meet. Every
 * namespace made is deleted by {@link #close()}, and by a shutdown hook if the JVM ends first.
 */
final class Topology implements AutoCloseable {
    /** The switch's TUN device, where every packet crossing the switch goes out to the delay line and back. */
    static final String TUN = "tun0";
    private static final long COMMAND_SECONDS = 15;
    /** Namespaces made and not yet deleted, by any topology of this JVM: the shutdown hook's list. */
    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (String ns : LIVE) {
                deleteQuietly(ns);
            }
        }, "netns-cleanup"));
    }

    private final String prefix;
    private final String switchNs;
    private final Map<String, Integer> links = new LinkedHashMap<>();

    private Topology(String prefix) {
        this.prefix = prefix;
        this.switchNs = prefix + "-sw";
    }

    /** Makes the switch and one namespace per host; host {@code hosts.get(k)} gets link {@code k + 1}. */
    static Topology create(String prefix, List<String> hosts) throws IOException, InterruptedException {
        Topology t = new Topology(prefix);
        try {
            t.addNamespace(t.switchNs);
            t.ip(t.switchNs, "link", "set", "lo", "up");
            t.sysctl(t.switchNs, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
                    "net.ipv4.conf.default.rp_filter=0", "net.ipv6.conf.all.disable_ipv6=1");
            int link = 1;
            for (String host : hosts) {
                t.addHost(host, link++);
            }
            // Forwarded packets go out through the TUN device to the delay line (table 200), and what it writes
            // back comes in on the TUN device and is routed normally (main). A host whose link is down is a
            // blackhole, silent, as a vanished machine is: no ICMP unreachable tells anyone.
            t.ip(t.switchNs, "tuntap", "add", "dev", TUN, "mode", "tun");
            t.sysctl(t.switchNs, "net.ipv4.conf." + TUN + ".rp_filter=0");
            t.ip(t.switchNs, "link", "set", TUN, "up");
            t.ip(t.switchNs, "route", "add", "blackhole", "10.77.0.0/16");
            t.ip(t.switchNs, "route", "add", "default", "dev", TUN, "table", "200");
            t.ip(t.switchNs, "rule", "add", "iif", TUN, "lookup", "main", "pref", "100");
            t.ip(t.switchNs, "rule", "add", "lookup", "200", "pref", "200");
            return t;
        } catch (IOException | InterruptedException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private void addHost(String host, int link) throws IOException, InterruptedException {
        String ns = namespace(host);
        addNamespace(ns);
        links.put(host, link);
        ip(ns, "link", "set", "lo", "up");
        sysctl(ns, "net.ipv6.conf.all.disable_ipv6=1");
        // Made inside the switch with its peer put straight into the host: no interface ever exists in the
        // machine's own namespace.
        ip(switchNs, "link", "add", veth(host), "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip(switchNs, "addr", "add", "10.77." + link + ".1/24", "dev", veth(host));
        ip(switchNs, "link", "set", veth(host), "up");
        ip(ns, "addr", "add", address(host) + "/24", "dev", "eth0");
        ip(ns, "link", "set", "eth0", "up");
        ip(ns, "route", "add", "10.77.0.0/16", "via", "10.77." + link + ".1");
    }

    String namespace(String host) {
        return prefix + "-" + host;
    }

    String switchNamespace() {
        return switchNs;
    }

    String address(String host) {
        return "10.77." + link(host) + ".2";
    }

    int link(String host) {
        Integer link = links.get(host);
        if (link == null) {
            throw new IllegalArgumentException("no host " + host + " in " + links.keySet());
        }
        return link;
    }

    /** The switch's end of a host's link. */
    String veth(String host) {
        return "h" + link(host);
    }

    /** Pulls the host's cable out at the switch: its link goes down, its packets vanish silently. */
    void cut(String host) throws IOException, InterruptedException {
        ip(switchNs, "link", "set", veth(host), "down");
    }

    /** Deletes every namespace (and so every veth and the TUN device in them). Processes must be gone first. */
    @Override
    public void close() {
        List<String> all = new ArrayList<>();
        for (String host : links.keySet()) {
            all.add(namespace(host));
        }
        all.add(switchNs);
        for (String ns : all) {
            if (LIVE.contains(ns)) {
                deleteQuietly(ns);
            }
        }
    }

    /** The namespaces this machine has now (for checking that none was left behind). */
    static List<String> existing() throws IOException, InterruptedException {
        String out = run(List.of("ip", "netns", "list"));
        List<String> names = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip().split("\\s+")[0]);
            }
        }
        return names;
    }

    private void addNamespace(String ns) throws IOException, InterruptedException {
        run(List.of("ip", "netns", "add", ns));
        LIVE.add(ns);
    }

    private void ip(String ns, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", ns));
        command.addAll(List.of(args));
        run(command);
    }

    private void sysctl(String ns, String... settings) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns, "sysctl", "-q", "-w"));
        command.addAll(List.of(settings));
        run(command);
    }

    private static void deleteQuietly(String ns) {
        try {
            run(List.of("ip", "netns", "del", ns));
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("could not delete namespace " + ns + ": " + e.getMessage());
        }
        LIVE.remove(ns);
    }

    /** Runs a command to completion (bounded), returning its output; fails with the output if it fails. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException(String.join(" ", command) + ": no answer in " + COMMAND_SECONDS + " s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.strip());
            }
            return out;
        } finally {
            p.destroyForcibly();
        }
    }
}
