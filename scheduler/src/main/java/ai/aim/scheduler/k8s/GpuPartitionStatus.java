package ai.aim.scheduler.k8s;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * The status of a {@link GpuPartition}: memory promised to placed models, and the models. Written
 * only by the leading scheduler. A Jackson bean; not thread-safe.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GpuPartitionStatus {
    private Long allocatedBytes = 0L;
    private List<PlacedModel> models = new ArrayList<>();

    public Long getAllocatedBytes() {
        return allocatedBytes;
    }

    public void setAllocatedBytes(Long allocatedBytes) {
        this.allocatedBytes = allocatedBytes;
    }

    public List<PlacedModel> getModels() {
        return models;
    }

    public void setModels(List<PlacedModel> models) {
        this.models = models;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GpuPartitionStatus s && java.util.Objects.equals(allocatedBytes, s.allocatedBytes)
                && java.util.Objects.equals(models, s.models);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(allocatedBytes, models);
    }

    /** One model placed on the partition: {@code namespace/name}, promised bytes, priority. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class PlacedModel {
        private String name;
        private Long memoryBytes;
        private String priority;

        public PlacedModel() {
        }

        public PlacedModel(String name, long memoryBytes, String priority) {
            this.name = name;
            this.memoryBytes = memoryBytes;
            this.priority = priority;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public Long getMemoryBytes() {
            return memoryBytes;
        }

        public void setMemoryBytes(Long memoryBytes) {
            this.memoryBytes = memoryBytes;
        }

        public String getPriority() {
            return priority;
        }

        public void setPriority(String priority) {
            this.priority = priority;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PlacedModel m && java.util.Objects.equals(name, m.name)
                    && java.util.Objects.equals(memoryBytes, m.memoryBytes) && java.util.Objects.equals(priority, m.priority);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, memoryBytes, priority);
        }
    }
}
