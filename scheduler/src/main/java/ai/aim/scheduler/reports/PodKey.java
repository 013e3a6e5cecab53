package ai.aim.scheduler.reports;

/** A sidecar's identity in the aggregate: namespace and pod name. Immutable. */
public record PodKey(String namespace, String pod) {
    @Override
    public String toString() {
        return namespace + "/" + pod;
    }
}
