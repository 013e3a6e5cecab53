package ai.aim.rocm;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Fake {@code /sys/class/drm} trees from {@code src/test/resources/sysfs/}. */
final class SysfsTrees {
  private SysfsTrees() {}

  static Path path(String tree) {
    URL url = SysfsTrees.class.getResource("/sysfs/" + tree);
    if (url == null) {
      throw new IllegalArgumentException("no fake sysfs tree " + tree);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
