package ai.aim.scheduler;

import java.util.function.Consumer;

/**
 * Whether this scheduler replica is the one that acts on the cluster. Controllers that write to
 * the API server check {@link #isLeader()} before each write and start or stop their work from
 * the listener. Thread-safe. Without Kubernetes (or with leader election off) there is one
 * replica, which always leads.
 */
public interface Leadership {

    boolean isLeader();

    /** Called (on an election thread) with true on gaining and false on losing leadership. */
    void addListener(Consumer<Boolean> listener);

    /** The replica that always leads. */
    static Leadership always() {
        return new Leadership() {
            @Override
            public boolean isLeader() {
                return true;
            }

            @Override
            public void addListener(Consumer<Boolean> listener) {
                listener.accept(true);
            }
        };
    }
}
