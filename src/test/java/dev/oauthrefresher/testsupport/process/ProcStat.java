package dev.oauthrefresher.testsupport.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A process's CPU time and peak memory as Linux reports them in {@code /proc/<pid>/stat} and {@code /proc/<pid>/status}.
 *
 * @param cpuSeconds user plus system time of the process itself
 * @param reapedChildrenCpuSeconds user plus system time of its children that have exited (a postmaster's old backends)
 * @param peakRssKiB peak resident memory ({@code VmHWM}) since start or the last reset
 */
public record ProcStat(double cpuSeconds, double reapedChildrenCpuSeconds, long peakRssKiB) {

    private static final long CLOCK_TICKS_PER_SECOND = clockTicks();

    public static ProcStat of(long pid) {
        try {
            String[] fields = statFields(pid);
            // fields[0] is field 3 of proc(5) (state): utime is field 14, stime 15, cutime 16, cstime 17
            double cpu = seconds(fields[11]) + seconds(fields[12]);
            double children = seconds(fields[13]) + seconds(fields[14]);
            long peak = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(line -> line.startsWith("VmHWM:")).mapToLong(ProcStat::kibibytes).findFirst().orElse(0);
            return new ProcStat(cpu, children, peak);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read /proc for process " + pid, e);
        }
    }

    /** CPU seconds of a process, its live children and its exited ones: a whole PostgreSQL server. */
    public static double treeCpuSeconds(long pid) {
        ProcStat parent = of(pid);
        double total = parent.cpuSeconds() + parent.reapedChildrenCpuSeconds();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit) && parentOf(Long.parseLong(name)) == pid) {
                    total += of(Long.parseLong(name)).cpuSeconds();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // a child that exits while the list is read is simply not counted
        }
        return total;
    }

    /** Restarts the peak-RSS counter of {@code pid}, so that the next reading reports the peak of what followed. */
    public static void resetPeakRss(long pid) {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot reset the peak RSS of process " + pid, e);
        }
    }

    private static long parentOf(long pid) {
        try {
            return Long.parseLong(statFields(pid)[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String[] statFields(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // the command name in parentheses may contain spaces
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    private static double seconds(String ticks) {
        return (double) Long.parseLong(ticks) / CLOCK_TICKS_PER_SECOND;
    }

    private static long kibibytes(String statusLine) {
        return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
    }

    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return getconf.waitFor() == 0 ? Long.parseLong(out) : 100;
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
