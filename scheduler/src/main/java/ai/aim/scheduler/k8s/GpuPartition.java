package ai.aim.scheduler.k8s;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * {@code gpupartitions.aim.ai/v1alpha1}: one schedulable AMD GPU partition (cluster-scoped). The
 * spec says where it is and what it is; the status (written by the leading scheduler) says how
 * much memory is promised and to which models. Created by node discovery (labelled
 * {@link #DISCOVERED_LABEL}) or by an administrator.
 */
@Group("aim.ai")
@Version("v1alpha1")
@Kind("GpuPartition")
@Plural("gpupartitions")
@Singular("gpupartition")
@ShortNames("gpup")
public class GpuPartition extends CustomResource<GpuPartitionSpec, GpuPartitionStatus> {
    private static final long serialVersionUID = 1L;

    /** Label on partitions created from a node's device-plugin resources; value: the node name. */
    public static final String DISCOVERED_LABEL = "aim.ai/discovered-from-node";

    @Override
    protected GpuPartitionSpec initSpec() {
        return new GpuPartitionSpec();
    }

    @Override
    protected GpuPartitionStatus initStatus() {
        return new GpuPartitionStatus();
    }
}
