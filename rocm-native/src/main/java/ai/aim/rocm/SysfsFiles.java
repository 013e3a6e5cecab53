package ai.aim.rocm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The file operations the sysfs reader needs, behind an interface so that tests can inject the
 * errors a GPU reset causes (EPERM, EIO), which cannot be faked with real files when running as
 * root. Implementations must be thread-safe.
 */
interface SysfsFiles {

  /** Whole content of a small file. */
  String read(Path file) throws IOException;

  /** Entries of a directory (names only are used); empty when it does not exist. */
  List<Path> list(Path dir) throws IOException;

  /** Plain {@link Files} access. */
  static SysfsFiles real() {
    return new SysfsFiles() {
      @Override
      public String read(Path file) throws IOException {
        // sysfs attributes are at most a page; readAllBytes handles the size-less files.
        return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
      }

      @Override
      public List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
          return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
          return new ArrayList<>(s.toList());
        }
      }
    };
  }
}
