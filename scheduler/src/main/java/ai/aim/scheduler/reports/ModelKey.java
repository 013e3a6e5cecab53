package ai.aim.scheduler.reports;

/** A model in the aggregate: namespace and model name (as the sidecars report it). Immutable. */
public record ModelKey(String namespace, String model) {
    @Override
    public String toString() {
        return namespace + "/" + model;
    }
}
