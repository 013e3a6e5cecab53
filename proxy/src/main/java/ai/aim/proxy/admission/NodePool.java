package ai.aim.proxy.admission;

/**
 * A free list of {@link Node}s. Owned by the admission thread. Grows (allocates) only when more
 * requests are outstanding than ever before, so steady state allocates nothing.
 */
final class NodePool {
  private Node free;
  private int created;

  NodePool(int initial) {
    for (int i = 0; i < initial; i++) {
      release(newNode());
    }
  }

  private Node newNode() {
    created++;
    Node n = new Node();
    n.clear();
    return n;
  }

  Node acquire() {
    Node n = free;
    if (n == null) {
      return newNode();
    }
    free = n.poolNext;
    n.poolNext = null;
    return n;
  }

  void release(Node n) {
    n.clear();
    n.poolNext = free;
    free = n;
  }

  int created() {
    return created;
  }
}
