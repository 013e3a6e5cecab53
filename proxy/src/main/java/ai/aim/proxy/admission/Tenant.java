package ai.aim.proxy.admission;

/**
 * One tenant of one model: its weight and, per priority class, an intrusive FIFO of its queued
 * requests plus its last virtual finish time. Owned by the admission thread.
 */
final class Tenant {
  final String key;
  int weight;
  final Node[] head = new Node[3];
  final Node[] tail = new Node[3];
  final int[] depth = new int[3];
  final double[] lastFinish = new double[3];
  /** Position in the band's active array, -1 when it has nothing queued in that band. */
  final int[] activeIndex = {-1, -1, -1};

  Tenant(String key, int weight) {
    this.key = key;
    this.weight = weight;
  }
}
