package dev.treecast.relay.core;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.treecast.protocol.auth.AccessToken;
import dev.treecast.protocol.auth.AccessToken.Check;
import dev.treecast.protocol.auth.AccessToken.Failure;
import dev.treecast.protocol.control.Role;
import dev.treecast.protocol.control.Setup;
import dev.treecast.relay.RelayMetrics;

/**
 * Who may use this relay. Without the operator's public key the fleet is <em>open</em>: anyone may connect, join,
 * subscribe, as before tokens existed, and tokens are not looked at. With it, every downstream session is checked
 * against an {@link AccessToken} signed with the operator key:
 * <ul>
 * <li>a session that says it is a relay ({@code SETUP} role RELAY) must carry a valid relay token in SETUP, or it is
 * closed before anything else: so an unauthenticated peer can neither subscribe as a relay (relay budgets, a place
 * under this relay) nor talk to the tree controller ({@code JOIN}, {@code REPORT}, ...), which only relay sessions
 * may;</li>
 * <li>a viewer needs a valid viewer token, in SETUP or, over WebTransport, on the CONNECT URL (the gateway checks it
 * before the session exists); it admits to the one broadcast it names, checked at each SUBSCRIBE, and, when it names
 * a region, only at relays of that region. With {@code viewersNeedToken} false ("open viewers") a viewer may come
 * without one, but a token it does present is still checked.</li>
 * </ul>
 * A token is checked when it is presented (at session start): a session outlives its token's expiry. Every refusal
 * is counted ({@code treecast.relay.auth.refused}, tag {@code reason}) and logged at WARN once per refused peer, at
 * most {@link #WARN_PER_SECOND} lines a second for each reason.
 *
 * <p>Owned by the relay's event loop thread (the verifier keeps JCA state).
 */
public final class Admission {
    private static final Logger LOG = LoggerFactory.getLogger(Admission.class);
    /** WARN lines per failure reason and second; the rest go to DEBUG, and are counted all the same. */
    static final int WARN_PER_SECOND = 5;

    private final AccessToken.Verifier verifier;
    private final boolean viewersNeedToken;
    private final String region;
    private final LongSupplier epochSeconds;
    private final LongSupplier nanoClock;
    private final RelayMetrics metrics;
    private final Map<Failure, long[]> logWindows = new HashMap<>();

    /**
     * @param operatorKey      the operator's raw Ed25519 public key; null for an open fleet
     * @param viewersNeedToken whether a viewer without a token is refused (with an operator key)
     * @param region           this relay's region ("" for none), for region-scoped viewer tokens
     * @param epochSeconds     the wall clock tokens expire by
     * @param nanoClock        for the log throttle
     */
    public Admission(byte[] operatorKey, boolean viewersNeedToken, String region, LongSupplier epochSeconds,
                     LongSupplier nanoClock, RelayMetrics metrics) {
        this.verifier = operatorKey == null ? null : new AccessToken.Verifier(operatorKey);
        this.viewersNeedToken = viewersNeedToken;
        this.region = region == null ? "" : region;
        this.epochSeconds = epochSeconds;
        this.nanoClock = nanoClock;
        this.metrics = metrics;
    }

    /** An open fleet: everyone is admitted. */
    public static Admission open(RelayMetrics metrics) {
        return new Admission(null, false, "", () -> 0, () -> 0, metrics);
    }

    /** Whether tokens are checked (an operator key is configured). */
    public boolean isEnforcing() {
        return verifier != null;
    }

    /** Whether a viewer without a token is refused. */
    public boolean viewersNeedToken() {
        return verifier != null && viewersNeedToken;
    }

    /**
     * A session's SETUP. {@code authorized} is what the transport checked already (a WebTransport CONNECT's token),
     * or null. Admitted: the check's token is the session's viewer or relay token (null when it has none).
     */
    public Check setup(Setup setup, AccessToken authorized) {
        if (verifier == null) {
            return Check.ok(null);
        }
        long now = epochSeconds.getAsLong();
        if (setup.role() == Role.RELAY) {
            return verifier.verify(setup.token(), now, Role.RELAY, null, null);
        }
        AccessToken token = authorized;
        if (setup.hasToken()) {
            // Both on the CONNECT and in SETUP: both must hold, for the same broadcast.
            Check check = verifier.verify(setup.token(), now, Role.VIEWER,
                    authorized == null ? null : authorized.broadcast(), region);
            if (!check.ok()) {
                return check;
            }
            token = authorized == null ? check.token() : authorized;
        }
        if (token == null && viewersNeedToken) {
            return Check.refused(Failure.MISSING, "a viewer needs a token (in SETUP)");
        }
        return Check.ok(token);
    }

    /**
     * A viewer token presented before SETUP (on a WebTransport CONNECT to {@code broadcast}); null or "" for none.
     * Admitted: the check's token (null when it has none and needs none).
     */
    public Check viewer(String text, String broadcast) {
        if (verifier == null || (text == null || text.isEmpty()) && !viewersNeedToken) {
            return Check.ok(null);
        }
        if (text == null || text.isEmpty()) {
            return Check.refused(Failure.MISSING, "a viewer needs a token (?token=... on the URL)");
        }
        return verifier.verify(text, epochSeconds.getAsLong(), Role.VIEWER, broadcast, region);
    }

    /** A SUBSCRIBE to {@code broadcast} from a session admitted as {@code role} with {@code token} (or none). */
    public Check subscribe(Role role, AccessToken token, String broadcast) {
        if (verifier == null || role == Role.RELAY || token == null) {
            return Check.ok(token); // relays were checked at SETUP; a viewer without a token was let in without one
        }
        return token.admits(Role.VIEWER, broadcast, null);
    }

    /** A tree message (JOIN, REPORT, REPAIRED, GOAWAY to the controller) from a session admitted as {@code role}. */
    public Check treeMessage(Role role, AccessToken token) {
        if (verifier == null || role == Role.RELAY) {
            return Check.ok(token);
        }
        return token == null ? Check.refused(Failure.MISSING, "tree messages need a relay token in SETUP")
                : Check.refused(Failure.WRONG_ROLE, "a viewer token cannot take part in the tree");
    }

    /** A peer was refused: counted in the relay's metrics and logged (throttled). */
    public void refused(Check check, String peer, String what) {
        metrics.authRefused(check.failure().tag());
        log(check, peer, what);
    }

    /**
     * Logs a refusal at WARN, at most {@link #WARN_PER_SECOND} lines a second for each reason (the rest at DEBUG,
     * and the next WARN line says how many were left out); for transports that count it in their own metrics.
     */
    public void log(Check check, String peer, String what) {
        long now = nanoClock.getAsLong();
        long[] w = logWindows.computeIfAbsent(check.failure(), f -> new long[] {now, 0, 0}); // start, logged, left out
        if (now - w[0] >= TimeUnit.SECONDS.toNanos(1)) {
            w[0] = now;
            w[1] = 0;
        }
        if (w[1] < WARN_PER_SECOND) {
            w[1]++;
            LOG.warn("refused {}: {} with {}: {}{}", peer, what, check.failure().code(), check.reason(),
                    w[2] == 0 ? "" : " (" + w[2] + " more refused for " + check.failure().tag()
                            + " meanwhile, logged at DEBUG)");
            w[2] = 0;
        } else {
            w[2]++;
            LOG.debug("refused {}: {} with {}: {}", peer, what, check.failure().code(), check.reason());
        }
    }
}
