package ai.aim.sim.engine;

/**
 * Token accounting without a tokenizer. Rule: a text of n characters counts as ceil(n / 4)
 * tokens (at least 1 for a non-empty text), the usual rule of thumb for English BPE
 * vocabularies. Generated text is a deterministic sequence of words, one word per token.
 */
public final class Tokens {
  private static final String[] WORDS = {
    "the", "model", "answers", "with", "simulated", "tokens", "at", "a", "steady", "rate",
    "while", "the", "queue", "drains", "and", "slots", "free", "up", "again", "soon"
  };

  private Tokens() {}

  /** Estimated tokens of {@code chars} characters of text. */
  public static long estimate(long chars) {
    return chars <= 0 ? 0 : (chars + 3) / 4;
  }

  /** The text of generated token {@code i} (a word followed by a space). */
  public static String word(int i) {
    return WORDS[i % WORDS.length] + " ";
  }
}
