package ai.aim.proxy.slo;

import java.util.List;

/**
 * An {@code slo:} config section that was refused. Carries every problem found, each naming the
 * key and what was expected, so that one reload attempt reports all of them. The caller keeps
 * its previous configuration.
 */
public final class SloConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  SloConfigException(List<String> problems) {
    super("invalid slo config: " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /** The problems, one per offending key, in document order. */
  public List<String> problems() {
    return problems;
  }
}
