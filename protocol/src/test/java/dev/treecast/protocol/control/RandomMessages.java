package dev.treecast.protocol.control;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;

import dev.treecast.protocol.ErrorCode;
import dev.treecast.protocol.TrackName;
import dev.treecast.protocol.Varint;

/** Seeded generators of valid control messages that reach every varint length class and every string limit. */
final class RandomMessages {
    private final Random random;

    RandomMessages(long seed) {
        this.random = new Random(seed);
    }

    /** A value from a uniformly chosen varint length class, sometimes a class boundary. */
    long varint() {
        int cls = random.nextInt(4);
        long lo = cls == 0 ? 0 : 1L << (8 * (1 << (cls - 1)) - 2);
        long hi = cls == 3 ? Varint.MAX : (1L << (8 * (1 << cls) - 2)) - 1;
        return switch (random.nextInt(6)) {
            case 0 -> lo;
            case 1 -> hi;
            default -> lo + (long) (random.nextDouble() * (hi - lo));
        };
    }

    private int length(int max) {
        return switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> max;
            default -> random.nextInt(max + 1);
        };
    }

    /** 0..max random bytes, often exactly an Ed25519 key's 32. */
    byte[] bytes(int max) {
        byte[] out = new byte[random.nextBoolean() ? 32 : length(max)];
        random.nextBytes(out);
        return out;
    }

    /** 1..max printable ASCII characters without spaces. */
    String name(int max) {
        int n = Math.max(1, length(max));
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) (0x21 + random.nextInt(0x7f - 0x21)));
        }
        return sb.toString();
    }

    /** A string of at most {@code maxBytes} UTF-8 bytes mixing 1-, 2-, 3- and 4-byte characters. */
    String text(int maxBytes) {
        int target = length(maxBytes);
        StringBuilder sb = new StringBuilder();
        int bytes = 0;
        while (bytes < target) {
            int cp = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(0x80);
                case 1 -> 0x80 + random.nextInt(0x800 - 0x80);
                case 2 -> {
                    int c = 0x800 + random.nextInt(0x10000 - 0x800);
                    yield Character.isSurrogate((char) c) ? 'x' : c;
                }
                default -> 0x10000 + random.nextInt(0x110000 - 0x10000);
            };
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + n > target) {
                if (target - bytes >= 1) {
                    sb.append('a');
                    bytes++;
                }
                continue;
            }
            sb.appendCodePoint(cp);
            bytes += n;
        }
        return sb.toString();
    }

    ErrorCode errorCode() {
        ErrorCode[] all = ErrorCode.values();
        return all[random.nextInt(all.length)];
    }

    StartPosition start() {
        return random.nextBoolean() ? StartPosition.LATEST : new StartPosition.At(varint(), varint());
    }

    /** Empty, or 64 random lowercase hex digits. */
    String certificateSha256() {
        if (random.nextInt(3) == 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder(RelayDescription.CERTIFICATE_SHA256_LENGTH);
        for (int i = 0; i < RelayDescription.CERTIFICATE_SHA256_LENGTH; i++) {
            sb.append("0123456789abcdef".charAt(random.nextInt(16)));
        }
        return sb.toString();
    }

    Candidate candidate() {
        return new Candidate(text(Setup.MAX_NODE_ID), text(Backups.MAX_ADDRESS), varint());
    }

    /** 0..16 candidates, each of them random. */
    List<Candidate> candidates() {
        int n = length(Candidate.MAX_LIST);
        List<Candidate> candidates = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            candidates.add(candidate());
        }
        return candidates;
    }

    RelayDescription relay() {
        return new RelayDescription(text(Setup.MAX_NODE_ID), text(Backups.MAX_ADDRESS),
                text(RelayDescription.MAX_REGION), varint(), text(RelayDescription.MAX_WEB_TRANSPORT),
                certificateSha256());
    }

    ControlMessage of(MessageType type) {
        return switch (type) {
            case SETUP -> new Setup(varint(), random.nextBoolean() ? Role.RELAY : Role.VIEWER,
                    text(Setup.MAX_NODE_ID), varint(), random.nextBoolean() ? "" : text(Setup.MAX_TOKEN));
            case SETUP_OK -> new SetupOk(varint(), text(Setup.MAX_NODE_ID));
            case SUBSCRIBE -> new Subscribe(varint(),
                    new TrackName(name(TrackName.MAX_BROADCAST), name(TrackName.MAX_TRACK)), start(),
                    random.nextInt(Subscribe.MAX_PRIORITY + 1));
            case SUBSCRIBE_OK -> new SubscribeOk(varint(),
                    random.nextInt(3) == 0 ? OptionalLong.empty() : OptionalLong.of(Math.min(varint(), Varint.MAX - 1)));
            case SUBSCRIBE_ERROR -> new SubscribeError(varint(), errorCode(), text(SubscribeError.MAX_REASON));
            case UNSUBSCRIBE -> new Unsubscribe(varint());
            case ANNOUNCE -> new Announce(name(TrackName.MAX_BROADCAST), random.nextBoolean());
            case HEARTBEAT -> new Heartbeat(varint(), varint(), varint());
            case BACKUPS -> new Backups(candidates());
            case MOVE -> new Move(text(Setup.MAX_NODE_ID), text(Backups.MAX_ADDRESS));
            case GOAWAY -> new GoAway(text(Backups.MAX_ADDRESS));
            case ERROR -> new ErrorMessage(errorCode(), text(SubscribeError.MAX_REASON));
            case JOIN -> new Join(relay());
            case PLACEMENT -> new Placement(text(Setup.MAX_NODE_ID), text(Backups.MAX_ADDRESS), varint(),
                    candidates(), bytes(Placement.MAX_KEY));
            case REPORT -> new Report(relay(), varint(), text(Setup.MAX_NODE_ID), varint(), varint(), varint());
            case REPAIRED -> new Repaired(text(Setup.MAX_NODE_ID), text(Setup.MAX_NODE_ID), varint());
        };
    }

    MessageType type() {
        MessageType[] all = MessageType.values();
        return all[random.nextInt(all.length)];
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }
}
