package ai.aim.scheduler.k8s;

import ai.aim.scheduler.placement.ComputeMode;
import ai.aim.scheduler.placement.MemoryMode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Derives a node's GPU partitions from what AMD's device plugin and node labeller publish. Pure:
 * strings in, specs out.
 *
 * <ul>
 *   <li>Device plugin, {@code mixed} naming strategy: allocatable {@code amd.com/<compute>_<memory>}
 *       (e.g. {@code amd.com/cpx_nps4: 64}) gives that many partitions of that kind, requested by
 *       that resource name.</li>
 *   <li>Device plugin, {@code single} strategy: allocatable {@code amd.com/gpu: N}; the kind comes
 *       from the labeller's {@code amd.com/compute-memory-partition} label (e.g. {@code cpx_nps4}),
 *       else whole GPUs (SPX/NPS1) are assumed.</li>
 *   <li>Memory per physical GPU from the labeller's {@code amd.com/gpu.vram} label (e.g. {@code 192G},
 *       read as GiB; {@code M} = MiB, {@code T} = TiB), else the configured default; each partition
 *       gets an equal share: VRAM / partitions per GPU.</li>
 *   <li>Partitions are numbered in order: GPU {@code i / perGpu}, partition {@code i % perGpu},
 *       with perGpu from the compute mode (SPX 1, DPX 2, TPX 3, QPX 4, CPX 8; MI300X).</li>
 * </ul>
 */
final class PartitionDiscovery {
    static final String PARTITION_LABEL = "amd.com/compute-memory-partition";
    static final String VRAM_LABEL = "amd.com/gpu.vram";
    static final String SINGLE_RESOURCE = "amd.com/gpu";
    private static final Pattern MIXED = Pattern.compile("amd\\.com/(spx|dpx|tpx|qpx|cpx)_(nps1|nps2|nps4|nps8)");
    private static final Pattern KIND = Pattern.compile("(spx|dpx|tpx|qpx|cpx)_(nps1|nps2|nps4|nps8)");
    private static final Pattern VRAM = Pattern.compile("(\\d+(?:\\.\\d+)?)([MGT])i?B?");

    private PartitionDiscovery() {
    }

    /** A partition to exist: its resource name and spec. */
    record Discovered(String name, GpuPartitionSpec spec) {
    }

    static List<Discovered> discover(String node, Map<String, String> labels, Map<String, String> allocatable, long defaultGpuBytes) {
        long gpuBytes = vramBytes(labels.get(VRAM_LABEL), defaultGpuBytes);
        List<Discovered> out = new ArrayList<>();
        boolean mixed = false;
        for (Map.Entry<String, String> e : new TreeMap<>(allocatable).entrySet()) {
            Matcher m = MIXED.matcher(e.getKey());
            if (m.matches()) {
                mixed = true;
                add(out, node, ComputeMode.parseOrNull(m.group(1)), MemoryMode.parseOrNull(m.group(2)), count(e.getValue()), gpuBytes, e.getKey());
            }
        }
        if (!mixed && allocatable.containsKey(SINGLE_RESOURCE)) {
            ComputeMode c = ComputeMode.SPX;
            MemoryMode mm = MemoryMode.NPS1;
            String kind = labels.get(PARTITION_LABEL);
            Matcher m = kind == null ? null : KIND.matcher(kind.trim().toLowerCase(Locale.ROOT));
            if (m != null && m.matches()) {
                c = ComputeMode.parseOrNull(m.group(1));
                mm = MemoryMode.parseOrNull(m.group(2));
            }
            add(out, node, c, mm, count(allocatable.get(SINGLE_RESOURCE)), gpuBytes, SINGLE_RESOURCE);
        }
        return out;
    }

    private static void add(List<Discovered> out, String node, ComputeMode c, MemoryMode m, int count, long gpuBytes, String resource) {
        int perGpu = c.perGpu();
        for (int i = 0; i < count; i++) {
            int gpu = i / perGpu;
            int part = i % perGpu;
            String name = dnsName(node + "-" + c.name() + "-" + m.name() + "-g" + gpu + "-p" + part);
            out.add(new Discovered(name, new GpuPartitionSpec(node, String.valueOf(gpu), String.valueOf(part),
                    c.name(), m.name(), gpuBytes / perGpu, resource)));
        }
    }

    static long vramBytes(String label, long fallback) {
        if (label == null) {
            return fallback;
        }
        Matcher m = VRAM.matcher(label.trim());
        if (!m.matches()) {
            return fallback;
        }
        int shift = switch (m.group(2)) {
            case "M" -> 20;
            case "T" -> 40;
            default -> 30;
        };
        return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift)).longValue();
    }

    private static int count(String quantity) {
        try {
            return Math.max(0, new BigDecimal(quantity.trim()).intValue());
        } catch (NumberFormatException | NullPointerException e) {
            return 0;
        }
    }

    /** A valid object name: lower case, [a-z0-9.-], at most 253 characters. */
    static String dnsName(String s) {
        String n = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        n = n.replaceAll("^[-.]+", "").replaceAll("[-.]+$", "");
        return n.length() > 253 ? n.substring(0, 253) : n;
    }
}
