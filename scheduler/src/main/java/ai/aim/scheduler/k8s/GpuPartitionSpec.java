package ai.aim.scheduler.k8s;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The spec of a {@link GpuPartition}: node, GPU id, partition id, compute mode (SPX..CPX),
 * memory mode (NPS1..NPS8), memory in bytes and the device-plugin resource name that requests a
 * partition of this kind on that node (e.g. {@code amd.com/cpx_nps4}). A Jackson bean (Fabric8
 * serializes it); not thread-safe.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GpuPartitionSpec {
    private String node;
    private String gpuId;
    private String partitionId;
    private String computeMode;
    private String memoryMode;
    private Long memoryTotalBytes;
    private String resourceName;

    public GpuPartitionSpec() {
    }

    public GpuPartitionSpec(String node, String gpuId, String partitionId, String computeMode, String memoryMode,
            long memoryTotalBytes, String resourceName) {
        this.node = node;
        this.gpuId = gpuId;
        this.partitionId = partitionId;
        this.computeMode = computeMode;
        this.memoryMode = memoryMode;
        this.memoryTotalBytes = memoryTotalBytes;
        this.resourceName = resourceName;
    }

    public String getNode() {
        return node;
    }

    public void setNode(String node) {
        this.node = node;
    }

    public String getGpuId() {
        return gpuId;
    }

    public void setGpuId(String gpuId) {
        this.gpuId = gpuId;
    }

    public String getPartitionId() {
        return partitionId;
    }

    public void setPartitionId(String partitionId) {
        this.partitionId = partitionId;
    }

    public String getComputeMode() {
        return computeMode;
    }

    public void setComputeMode(String computeMode) {
        this.computeMode = computeMode;
    }

    public String getMemoryMode() {
        return memoryMode;
    }

    public void setMemoryMode(String memoryMode) {
        this.memoryMode = memoryMode;
    }

    public Long getMemoryTotalBytes() {
        return memoryTotalBytes;
    }

    public void setMemoryTotalBytes(Long memoryTotalBytes) {
        this.memoryTotalBytes = memoryTotalBytes;
    }

    public String getResourceName() {
        return resourceName;
    }

    public void setResourceName(String resourceName) {
        this.resourceName = resourceName;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GpuPartitionSpec s && java.util.Objects.equals(node, s.node)
                && java.util.Objects.equals(gpuId, s.gpuId) && java.util.Objects.equals(partitionId, s.partitionId)
                && java.util.Objects.equals(computeMode, s.computeMode) && java.util.Objects.equals(memoryMode, s.memoryMode)
                && java.util.Objects.equals(memoryTotalBytes, s.memoryTotalBytes)
                && java.util.Objects.equals(resourceName, s.resourceName);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(node, gpuId, partitionId, computeMode, memoryMode, memoryTotalBytes, resourceName);
    }
}
