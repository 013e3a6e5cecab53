package ai.aim.rocm;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

/**
 * JNA mapping of the part of {@code libamd_smi.so} this module calls, written from the published
 * {@code amdsmi.h}. Every function returns an {@code amdsmi_status_t} (a C enum, so a 32-bit int).
 * Handles ({@code amdsmi_socket_handle}, {@code amdsmi_processor_handle}) are opaque pointers.
 *
 * <p>Not thread-safe by contract of this module: only {@link AmdSmiTelemetry} calls it, under its
 * own lock.
 */
interface AmdSmiLibrary extends Library {
  /** {@code AMDSMI_INIT_AMD_GPUS}: {@code 1 << 1}. */
  long INIT_AMD_GPUS = 2L;
  /** {@code AMDSMI_MEM_TYPE_VRAM}. */
  int MEM_TYPE_VRAM = 0;
  /** Size of {@code amdsmi_engine_usage_t}: three uint32 activities then uint32 reserved[13]. */
  int ENGINE_USAGE_SIZE = 16 * 4;

  /** {@code amdsmi_status_t amdsmi_init(uint64_t init_flags)}. */
  int amdsmi_init(long initFlags);

  /** {@code amdsmi_status_t amdsmi_shut_down(void)}. */
  int amdsmi_shut_down();

  /**
   * {@code amdsmi_get_socket_handles(uint32_t *socket_count, amdsmi_socket_handle
   * *socket_handles)}: with a null array, writes the count; else fills up to count handles.
   */
  int amdsmi_get_socket_handles(IntByReference socketCount, Pointer[] socketHandles);

  /**
   * {@code amdsmi_get_processor_handles(amdsmi_socket_handle socket_handle, uint32_t
   * *processor_count, amdsmi_processor_handle *processor_handles)}, same two-call protocol.
   */
  int amdsmi_get_processor_handles(
      Pointer socket, IntByReference processorCount, Pointer[] processorHandles);

  /** {@code amdsmi_get_gpu_compute_partition(handle, char *compute_partition, uint32_t len)}. */
  int amdsmi_get_gpu_compute_partition(Pointer processor, byte[] buffer, int length);

  /** {@code amdsmi_get_gpu_memory_partition(handle, char *memory_partition, uint32_t len)}. */
  int amdsmi_get_gpu_memory_partition(Pointer processor, byte[] buffer, int length);

  /** {@code amdsmi_get_gpu_memory_total(handle, amdsmi_memory_type_t mem_type, uint64_t *total)}. */
  int amdsmi_get_gpu_memory_total(Pointer processor, int memType, LongByReference total);

  /** {@code amdsmi_get_gpu_memory_usage(handle, amdsmi_memory_type_t mem_type, uint64_t *used)}. */
  int amdsmi_get_gpu_memory_usage(Pointer processor, int memType, LongByReference used);

  /** {@code amdsmi_get_gpu_activity(handle, amdsmi_engine_usage_t *info)}. */
  int amdsmi_get_gpu_activity(Pointer processor, Pointer engineUsage);

  /**
   * {@code amdsmi_get_gpu_device_bdf(handle, amdsmi_bdf_t *bdf)}; {@code amdsmi_bdf_t} is a
   * union over one uint64: function bits 0-2, device 3-7, bus 8-15, domain 16-63.
   */
  int amdsmi_get_gpu_device_bdf(Pointer processor, LongByReference bdf);
}
