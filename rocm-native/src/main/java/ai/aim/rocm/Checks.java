package ai.aim.rocm;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** Invariant checks shared by the snapshot records. */
final class Checks {
  private Checks() {}

  static void known(String what, Field field, Optional<?> value, Map<Field, String> reasons) {
    consistent(what, field, value.isPresent(), reasons);
  }

  static void known(String what, Field field, OptionalLong value, Map<Field, String> reasons) {
    consistent(what, field, value.isPresent(), reasons);
    if (value.isPresent() && value.getAsLong() < 0) {
      throw new IllegalArgumentException(
          what + " " + field + ": " + value.getAsLong() + " (expected: >= 0 bytes)");
    }
  }

  static void known(String what, Field field, OptionalDouble value, Map<Field, String> reasons) {
    consistent(what, field, value.isPresent(), reasons);
    if (value.isPresent() && !(value.getAsDouble() >= 0.0 && value.getAsDouble() <= 1.0)) {
      throw new IllegalArgumentException(
          what + " " + field + ": " + value.getAsDouble() + " (expected: 0..1)");
    }
  }

  static void known(String what, Field field, Collection<?> value, Map<Field, String> reasons) {
    consistent(what, field, !value.isEmpty(), reasons);
  }

  private static void consistent(
      String what, Field field, boolean present, Map<Field, String> reasons) {
    if (present == reasons.containsKey(field)) {
      throw new IllegalArgumentException(
          what
              + " "
              + field
              + ": "
              + (present ? "has a value and an unknown reason" : "has neither a value nor a reason")
              + " (expected: exactly one)");
    }
  }

  static void nonNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
  }
}
