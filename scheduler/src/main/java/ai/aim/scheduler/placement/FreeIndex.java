package ai.aim.scheduler.placement;

import java.util.ArrayDeque;
import java.util.function.Predicate;

/**
 * Candidates ordered by free bytes, then {@link Placer#ORDER}: an order-statistic treap, so best fit
 * is a ceiling lookup and "how many have less than N free" is a rank, both O(log n).
 *
 * <p>Not thread-safe: owned by {@link PartitionInventory} under its lock. Invariant: a candidate's
 * free bytes do not change while it is in the index (the inventory removes it, mutates, re-adds).
 * Priorities come from a fixed-seed generator, so the shape (and cost) is reproducible.
 */
final class FreeIndex<T extends Candidate> {
    private static final class Node<T> {
        final T item;
        final long free;
        final int priority;
        Node<T> left;
        Node<T> right;
        int size = 1;

        Node(T item, long free, int priority) {
            this.item = item;
            this.free = free;
            this.priority = priority;
        }
    }

    private final java.util.SplittableRandom random;
    private Node<T> root;
    /** The two halves of the last {@link #split}; null between operations. */
    private Node<T> splitLeft;
    private Node<T> splitRight;

    FreeIndex(long seed) {
        this.random = new java.util.SplittableRandom(seed);
    }

    int size() {
        return size(root);
    }

    boolean isEmpty() {
        return root == null;
    }

    void add(T item) {
        root = insert(root, new Node<>(item, item.freeBytes(), random.nextInt()));
    }

    /**
     * Walks down by key to where {@code n}'s priority belongs (comparisons only), and splits just
     * the subtree found there: cheaper than splitting the whole tree at the root and merging back.
     */
    private Node<T> insert(Node<T> t, Node<T> n) {
        if (t == null) {
            return n;
        }
        if (n.priority > t.priority) {
            split(t, n);
            n.left = splitLeft;
            n.right = splitRight;
            splitLeft = null;
            splitRight = null;
            update(n);
            return n;
        }
        if (compare(n.free, n.item, t.free, t.item) < 0) {
            t.left = insert(t.left, n);
        } else {
            t.right = insert(t.right, n);
        }
        t.size++;
        return t;
    }

    /** Removes {@code item} (found by its current free bytes and partition); false if absent. */
    boolean remove(T item) {
        int before = size(root);
        root = remove(root, item.freeBytes(), item);
        return size(root) != before;
    }

    /** The first candidate (fewest free bytes, then {@link Placer#ORDER}) with at least {@code need} free. */
    T ceiling(long need) {
        Node<T> n = root;
        T best = null;
        while (n != null) {
            if (n.free >= need) {
                best = n.item;
                n = n.left;
            } else {
                n = n.right;
            }
        }
        return best;
    }

    /** How many candidates have fewer than {@code need} bytes free. */
    int countBelow(long need) {
        Node<T> n = root;
        int count = 0;
        while (n != null) {
            if (n.free < need) {
                count += size(n.left) + 1;
                n = n.right;
            } else {
                n = n.left;
            }
        }
        return count;
    }

    /**
     * Visits candidates in order while {@code visitor} returns true and they have fewer than
     * {@code below} bytes free; stops at the first one that has not.
     */
    void visitBelow(long below, Predicate<T> visitor) {
        ArrayDeque<Node<T>> stack = new ArrayDeque<>();
        Node<T> n = root;
        while (n != null || !stack.isEmpty()) {
            while (n != null) {
                stack.push(n);
                n = n.left;
            }
            Node<T> top = stack.pop();
            if (top.free >= below || !visitor.test(top.item)) {
                return;
            }
            n = top.right;
        }
    }

    private int compare(long freeA, Candidate a, long freeB, Candidate b) {
        int byFree = Long.compare(freeA, freeB);
        return byFree != 0 ? byFree : a.orderKey().compareTo(b.orderKey());
    }

    /**
     * Splits {@code n} into keys before {@code key} ({@link #splitLeft}) and keys from {@code key} on
     * ({@link #splitRight}). Results go to fields rather than a returned pair so a split allocates
     * nothing.
     */
    private void split(Node<T> n, Node<T> key) {
        if (n == null) {
            splitLeft = null;
            splitRight = null;
            return;
        }
        if (compare(n.free, n.item, key.free, key.item) < 0) {
            split(n.right, key);
            n.right = splitLeft;
            update(n);
            splitLeft = n;
        } else {
            split(n.left, key);
            n.left = splitRight;
            update(n);
            splitRight = n;
        }
    }

    private Node<T> merge(Node<T> a, Node<T> b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a.priority > b.priority) {
            a.right = merge(a.right, b);
            update(a);
            return a;
        }
        b.left = merge(a, b.left);
        update(b);
        return b;
    }

    private Node<T> remove(Node<T> n, long free, T item) {
        if (n == null) {
            return null;
        }
        if (n.item == item) {
            return merge(n.left, n.right);
        }
        if (compare(free, item, n.free, n.item) < 0) {
            n.left = remove(n.left, free, item);
        } else {
            n.right = remove(n.right, free, item);
        }
        update(n);
        return n;
    }

    private static void update(Node<?> n) {
        n.size = 1 + size(n.left) + size(n.right);
    }

    private static int size(Node<?> n) {
        return n == null ? 0 : n.size;
    }
}
