package ai.aim.proxy.config;

/**
 * A configuration value that is missing, unknown or malformed. The message names the key and what
 * was expected, e.g. {@code "http.port: 'abc' (expected: a whole number from 0 to 65535)"}.
 */
public final class ConfigException extends Exception {

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
