import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

import dev.treecast.systemtest.Impairment;

/**
 * The emulated network's delay and loss, for kernels without netem (CONFIG_NET_SCH_NETEM unset, as on the build
 * machines): run inside the switch namespace, it attaches to that namespace's TUN device, through which policy
 * routing sends every packet crossing the switch; it holds each packet as {@link Impairment} says (or drops it) and
 * writes it back, and the kernel then routes it to its destination's veth.
 *
 * <p>Run from source (JDK 22+: the foreign-function API, to open /dev/net/tun and TUNSETIFF), with the test classes
 * on the class path: {@code java --enable-native-access=ALL-UNNAMED -cp target/test-classes DelayLine.java --tun tun0
 * --seed 1 --link 1:10:3:0.0075 ...}. No --link at all forwards untouched. Prints {@code delayline ready} once
 * attached and a summary line when it is terminated.
 *
 * <p>Threads: the reader (owns the {@link Impairment}) and the writer (releases packets when due).
 */
public final class DelayLine {
    private static final int O_RDWR = 2;
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_NO_PI = 0x1000;
    private static final int MAX_PACKET = 65_536;
    /** Consecutive failed reads or writes before giving up (a vanished device): bounded, never a busy loop. */
    private static final int MAX_ERRORS = 1_000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = libc("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle IOCTL = libc("ioctl", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), Linker.Option.firstVariadicArg(2),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle READ = libc("read", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = libc("write", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle SCHED_SETSCHEDULER = libc("sched_setscheduler",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS));
    private static final int SCHED_FIFO = 1;
    /** Real-time priority of the reader and writer threads (1-99; the kernel's own threads use 50). */
    private static final int PRIORITY = 10;

    private record Pending(long releaseNanos, long order, byte[] data) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(releaseNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Pending p = (Pending) o;
            int c = Long.compare(releaseNanos - p.releaseNanos, 0);
            return c != 0 ? c : Long.compare(order, p.order);
        }
    }

    public static void main(String[] args) throws Throwable {
        String tun = "tun0";
        long seed = 1;
        Map<Integer, Impairment.Link> links = new TreeMap<>();
        boolean passthrough = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tun" -> tun = args[++i];
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--link" -> {
                    Impairment.Link l = Impairment.Link.parse(args[++i]);
                    links.put(l.index(), l);
                    passthrough = false;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (passthrough) {
            for (int i = 1; i <= Impairment.MAX_LINKS; i++) {
                links.put(i, new Impairment.Link(i, 0, 0, 0));
            }
        }
        int fd = attach(tun);
        Impairment impairment = new Impairment(links, new SplittableRandom(seed));
        DelayQueue<Pending> queue = new DelayQueue<>();
        long[] written = new long[1];
        Thread writer = new Thread(() -> writeLoop(fd, queue, written), "delayline-writer");
        writer.setDaemon(true);
        writer.start();
        String tunName = tun;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (impairment) {
                long total = impairment.forwarded() + impairment.lost();
                System.out.printf(Locale.ROOT, "delayline %s: forwarded %d, lost %d (%.3f %%), foreign %d,"
                                + " mean added delay %.2f ms%n", tunName, impairment.forwarded(), impairment.lost(),
                        total == 0 ? 0.0 : 100.0 * impairment.lost() / total, impairment.foreign(),
                        impairment.meanAddedMillis());
                System.out.flush();
            }
        }, "delayline-summary"));
        System.out.println("delayline ready on " + tun + (passthrough ? " (no impairment)" : " links " + links.values()));
        System.out.flush();
        readLoop(fd, impairment, queue);
    }

    private static void readLoop(int fd, Impairment impairment, DelayQueue<Pending> queue) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            realTime(arena, "reader");
            MemorySegment buffer = arena.allocate(MAX_PACKET);
            long order = 0;
            int errors = 0;
            while (true) {
                long n = (long) READ.invokeExact(fd, buffer, (long) MAX_PACKET);
                if (n <= 0) {
                    if (++errors > MAX_ERRORS) {
                        throw new IllegalStateException("reading the TUN device failed " + MAX_ERRORS + " times");
                    }
                    continue;
                }
                errors = 0;
                byte[] packet = buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                long now = System.nanoTime();
                synchronized (impairment) {
                    if (impairment.admit(packet, packet.length, now) == Impairment.Verdict.FORWARD) {
                        queue.put(new Pending(impairment.releaseNanos(), order++, packet));
                    }
                }
            }
        }
    }

    private static void writeLoop(int fd, DelayQueue<Pending> queue, long[] written) {
        try (Arena arena = Arena.ofConfined()) {
            realTime(arena, "writer");
            MemorySegment buffer = arena.allocate(MAX_PACKET);
            int errors = 0;
            while (true) {
                Pending p = queue.take();
                MemorySegment.copy(p.data(), 0, buffer, ValueLayout.JAVA_BYTE, 0, p.data().length);
                long n = (long) WRITE.invokeExact(fd, buffer, (long) p.data().length);
                if (n < 0 && ++errors > MAX_ERRORS) {
                    throw new IllegalStateException("writing the TUN device failed " + MAX_ERRORS + " times");
                }
                if (n >= 0) {
                    errors = 0;
                    written[0]++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            System.err.println("delayline writer: " + t);
            System.exit(1);
        }
    }

    /**
     * Puts the calling thread in the real-time class: a kernel's netem runs in softirq, before any process, and
     * this stands in for it on a machine whose cores are shared by many busy JVMs. Without it a delay line that
     * is not scheduled for 150 ms stalls every link at once, and every relay declares its parent dead. Both
     * threads mostly sleep (a blocking read, a timed wait), so they cannot starve anyone.
     */
    private static void realTime(Arena arena, String thread) throws Throwable {
        MemorySegment param = arena.allocate(ValueLayout.JAVA_INT);
        param.set(ValueLayout.JAVA_INT, 0, PRIORITY);
        int rc = (int) SCHED_SETSCHEDULER.invokeExact(0, SCHED_FIFO, param);
        if (rc != 0) {
            System.out.println("delayline: the " + thread + " thread runs at normal priority (no real-time class)");
        }
    }

    /** Opens /dev/net/tun and attaches it to the TUN device {@code name} of this namespace. */
    private static int attach(String name) throws Throwable {
        Arena arena = Arena.global();
        MemorySegment state = arena.allocate(CALL_STATE);
        int fd = (int) OPEN.invokeExact(state, arena.allocateFrom("/dev/net/tun"), O_RDWR);
        if (fd < 0) {
            throw new IllegalStateException("open /dev/net/tun: errno " + (int) ERRNO.get(state, 0L));
        }
        MemorySegment ifreq = arena.allocate(40);
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > 15) {
            throw new IllegalArgumentException("interface name too long: " + name);
        }
        MemorySegment.copy(bytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, bytes.length);
        ifreq.set(ValueLayout.JAVA_SHORT, 16, (short) (IFF_TUN | IFF_NO_PI));
        int rc = (int) IOCTL.invokeExact(state, fd, TUNSETIFF, ifreq);
        if (rc < 0) {
            throw new IllegalStateException("TUNSETIFF " + name + ": errno " + (int) ERRNO.get(state, 0L));
        }
        return fd;
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, options);
    }
}
