package ai.aim.rocm;

/**
 * {@code amdsmi_status_t} values from the published {@code amdsmi.h}, turned into readable text.
 * Stateless.
 */
final class AmdSmiStatus {
  static final int SUCCESS = 0;
  static final int NOT_SUPPORTED = 2;

  private AmdSmiStatus() {}

  /** {@code "AMDSMI_STATUS_NOT_SUPPORTED (command not supported)"}, or the number if unknown. */
  static String describe(int status) {
    String[] nd = nameAndMeaning(status);
    return nd == null
        ? "unknown amdsmi status " + Integer.toUnsignedString(status)
        : nd[0] + " (" + nd[1] + ")";
  }

  private static String[] nameAndMeaning(int status) {
    switch (status) {
      case 0: return new String[] {"AMDSMI_STATUS_SUCCESS", "call succeeded"};
      case 1: return new String[] {"AMDSMI_STATUS_INVAL", "invalid parameters"};
      case 2: return new String[] {"AMDSMI_STATUS_NOT_SUPPORTED", "command not supported"};
      case 3: return new String[] {"AMDSMI_STATUS_NOT_YET_IMPLEMENTED", "not implemented yet"};
      case 4: return new String[] {"AMDSMI_STATUS_FAIL_LOAD_MODULE", "failed to load a library"};
      case 5: return new String[] {"AMDSMI_STATUS_FAIL_LOAD_SYMBOL", "failed to load a symbol"};
      case 6: return new String[] {"AMDSMI_STATUS_DRM_ERROR", "error in a libdrm call"};
      case 7: return new String[] {"AMDSMI_STATUS_API_FAILED", "API call failed"};
      case 8: return new String[] {"AMDSMI_STATUS_TIMEOUT", "timeout in API call"};
      case 9: return new String[] {"AMDSMI_STATUS_RETRY", "retry the operation"};
      case 10: return new String[] {"AMDSMI_STATUS_NO_PERM", "permission denied"};
      case 11: return new String[] {"AMDSMI_STATUS_INTERRUPT", "interrupted"};
      case 12: return new String[] {"AMDSMI_STATUS_IO", "I/O error"};
      case 13: return new String[] {"AMDSMI_STATUS_ADDRESS_FAULT", "bad address"};
      case 14: return new String[] {"AMDSMI_STATUS_FILE_ERROR", "problem accessing a file"};
      case 15: return new String[] {"AMDSMI_STATUS_OUT_OF_RESOURCES", "not enough memory"};
      case 16: return new String[] {"AMDSMI_STATUS_INTERNAL_EXCEPTION", "internal exception"};
      case 17: return new String[] {"AMDSMI_STATUS_INPUT_OUT_OF_BOUNDS", "input out of bounds"};
      case 18: return new String[] {"AMDSMI_STATUS_INIT_ERROR", "initialization failed"};
      case 19: return new String[] {"AMDSMI_STATUS_REFCOUNT_OVERFLOW", "reference count overflow"};
      case 20: return new String[] {"AMDSMI_STATUS_DIRECTORY_NOT_FOUND", "directory not found"};
      case 30: return new String[] {"AMDSMI_STATUS_BUSY", "processor busy"};
      case 31: return new String[] {"AMDSMI_STATUS_NOT_FOUND", "processor not found"};
      case 32: return new String[] {"AMDSMI_STATUS_NOT_INIT", "processor not initialized"};
      case 33: return new String[] {"AMDSMI_STATUS_NO_SLOT", "no free slot"};
      case 34: return new String[] {"AMDSMI_STATUS_DRIVER_NOT_LOADED", "driver not loaded"};
      case 39: return new String[] {"AMDSMI_STATUS_MORE_DATA", "more data than the buffer holds"};
      case 40: return new String[] {"AMDSMI_STATUS_NO_DATA", "no data for the input"};
      case 41: return new String[] {"AMDSMI_STATUS_INSUFFICIENT_SIZE", "buffer too small"};
      case 42: return new String[] {"AMDSMI_STATUS_UNEXPECTED_SIZE", "unexpected amount of data"};
      case 43: return new String[] {"AMDSMI_STATUS_UNEXPECTED_DATA", "unexpected data"};
      case -1: return new String[] {"AMDSMI_STATUS_UNKNOWN_ERROR", "unknown error"};
      default: return null;
    }
  }
}
