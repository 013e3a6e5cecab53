/*
 * Stand-in libamd_smi.so for the JNA binding's tests. Implements the functions the binding calls
 * with the signatures and struct layouts of the published amdsmi.h, over canned topologies:
 *   topology 0: GPUs in SPX/NPS1, one processor handle each, 192 GiB each
 *   topology 1: GPUs in CPX/NPS4, eight processor handles each, 24 GiB each
 * Select with stub_set_topology() or the AIM_AMDSMI_STUB_TOPOLOGY environment variable
 * (read at amdsmi_init); 2 GPUs unless stub_set_gpu_count() says otherwise (at most 8).
 * stub_fail(function, status) makes one function return a status.
 * Values differ per GPU and partition so that a test can tell a misread field.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef void *amdsmi_socket_handle;
typedef void *amdsmi_processor_handle;
typedef uint32_t amdsmi_status_t; /* C enum in amdsmi.h; 32 bits on every supported ABI */

enum {
  AMDSMI_STATUS_SUCCESS = 0,
  AMDSMI_STATUS_INVAL = 1,
  AMDSMI_STATUS_NOT_SUPPORTED = 2,
  AMDSMI_STATUS_NOT_INIT = 32,
  AMDSMI_STATUS_INSUFFICIENT_SIZE = 41,
};
enum { AMDSMI_INIT_AMD_GPUS = 1 << 1 };
enum { AMDSMI_MEM_TYPE_VRAM = 0 };

typedef struct {
  uint32_t gfx_activity;
  uint32_t umc_activity;
  uint32_t mm_activity;
  uint32_t reserved[13];
} amdsmi_engine_usage_t;

typedef union {
  struct {
    uint64_t function_number : 3;
    uint64_t device_number : 5;
    uint64_t bus_number : 8;
    uint64_t domain_number : 48;
  };
  uint64_t as_uint;
} amdsmi_bdf_t;

#define GIB (1ULL << 30)
#define MAX_GPUS 8
#define MAX_FAILS 16

static int topology = 0;
static int gpus = 2;
static int init_refs = 0;
static int shutdowns = 0;
static struct { char function[64]; amdsmi_status_t status; } fails[MAX_FAILS];
static int fail_count = 0;
/* Handles are addresses inside these arrays, like the library's own opaque pointers. */
static char socket_tokens[MAX_GPUS];
static char processor_tokens[MAX_GPUS][8];

void stub_set_topology(int t) { topology = t; }
void stub_set_gpu_count(int n) { gpus = n < 1 ? 1 : (n > MAX_GPUS ? MAX_GPUS : n); }
int stub_init_refs(void) { return init_refs; }
int stub_shutdowns(void) { return shutdowns; }
void stub_reset(void) { fail_count = 0; topology = 0; gpus = 2; init_refs = 0; shutdowns = 0; }

void stub_fail(const char *function, int status) {
  if (fail_count < MAX_FAILS) {
    strncpy(fails[fail_count].function, function, sizeof fails[0].function - 1);
    fails[fail_count].status = (amdsmi_status_t)status;
    fail_count++;
  }
}

static amdsmi_status_t injected(const char *function) {
  for (int i = 0; i < fail_count; i++) {
    if (strcmp(fails[i].function, function) == 0) return fails[i].status;
  }
  return AMDSMI_STATUS_SUCCESS;
}

static int partitions(void) { return topology == 1 ? 8 : 1; }

/* Finds GPU and partition of a processor handle; 0 when unknown. */
static int resolve(amdsmi_processor_handle h, int *gpu, int *part) {
  for (int g = 0; g < gpus; g++) {
    for (int p = 0; p < partitions(); p++) {
      if (h == &processor_tokens[g][p]) { *gpu = g; *part = p; return 1; }
    }
  }
  return 0;
}

#define ENTER(fn)                                            \
  do {                                                       \
    amdsmi_status_t s_ = injected(fn);                       \
    if (s_ != AMDSMI_STATUS_SUCCESS) return s_;              \
    if (init_refs == 0) return AMDSMI_STATUS_NOT_INIT;       \
  } while (0)

amdsmi_status_t amdsmi_init(uint64_t init_flags) {
  amdsmi_status_t s = injected("amdsmi_init");
  if (s != AMDSMI_STATUS_SUCCESS) return s;
  if (init_flags != AMDSMI_INIT_AMD_GPUS) return AMDSMI_STATUS_INVAL;
  const char *env = getenv("AIM_AMDSMI_STUB_TOPOLOGY");
  if (env != NULL && init_refs == 0) topology = atoi(env);
  init_refs++;
  return AMDSMI_STATUS_SUCCESS;
}

amdsmi_status_t amdsmi_shut_down(void) {
  if (init_refs == 0) return AMDSMI_STATUS_NOT_INIT;
  init_refs--;
  shutdowns++;
  return AMDSMI_STATUS_SUCCESS;
}

static amdsmi_status_t fill(uint32_t *count, void **out, void **items, uint32_t n) {
  if (count == NULL) return AMDSMI_STATUS_INVAL;
  if (out == NULL) { *count = n; return AMDSMI_STATUS_SUCCESS; }
  uint32_t k = *count < n ? *count : n;
  for (uint32_t i = 0; i < k; i++) out[i] = items[i];
  *count = k;
  return AMDSMI_STATUS_SUCCESS;
}

amdsmi_status_t amdsmi_get_socket_handles(uint32_t *socket_count,
                                          amdsmi_socket_handle *socket_handles) {
  ENTER("amdsmi_get_socket_handles");
  void *items[MAX_GPUS];
  for (int g = 0; g < gpus; g++) items[g] = &socket_tokens[g];
  return fill(socket_count, socket_handles, items, (uint32_t)gpus);
}

amdsmi_status_t amdsmi_get_processor_handles(amdsmi_socket_handle socket_handle,
                                             uint32_t *processor_count,
                                             amdsmi_processor_handle *processor_handles) {
  ENTER("amdsmi_get_processor_handles");
  for (int g = 0; g < gpus; g++) {
    if (socket_handle == &socket_tokens[g]) {
      void *items[8];
      for (int p = 0; p < partitions(); p++) items[p] = &processor_tokens[g][p];
      return fill(processor_count, processor_handles, items, (uint32_t)partitions());
    }
  }
  return AMDSMI_STATUS_INVAL;
}

static amdsmi_status_t copy_mode(const char *mode, char *out, uint32_t len) {
  if (out == NULL) return AMDSMI_STATUS_INVAL;
  if (len < strlen(mode) + 1) return AMDSMI_STATUS_INSUFFICIENT_SIZE;
  strcpy(out, mode);
  return AMDSMI_STATUS_SUCCESS;
}

amdsmi_status_t amdsmi_get_gpu_compute_partition(amdsmi_processor_handle processor_handle,
                                                 char *compute_partition, uint32_t len) {
  ENTER("amdsmi_get_gpu_compute_partition");
  int g, p;
  if (!resolve(processor_handle, &g, &p)) return AMDSMI_STATUS_INVAL;
  return copy_mode(topology == 1 ? "CPX" : "SPX", compute_partition, len);
}

amdsmi_status_t amdsmi_get_gpu_memory_partition(amdsmi_processor_handle processor_handle,
                                                char *memory_partition, uint32_t len) {
  ENTER("amdsmi_get_gpu_memory_partition");
  int g, p;
  if (!resolve(processor_handle, &g, &p)) return AMDSMI_STATUS_INVAL;
  return copy_mode(topology == 1 ? "NPS4" : "NPS1", memory_partition, len);
}

/* Total: 192 GiB per GPU, split evenly over its partitions. */
amdsmi_status_t amdsmi_get_gpu_memory_total(amdsmi_processor_handle processor_handle,
                                            int mem_type, uint64_t *total) {
  ENTER("amdsmi_get_gpu_memory_total");
  int g, p;
  if (!resolve(processor_handle, &g, &p) || total == NULL) return AMDSMI_STATUS_INVAL;
  if (mem_type != AMDSMI_MEM_TYPE_VRAM) return AMDSMI_STATUS_NOT_SUPPORTED;
  *total = 192 * GIB / (uint64_t)partitions();
  return AMDSMI_STATUS_SUCCESS;
}

/* Used: (gpu * 8 + partition + 1) GiB plus 4096 * partition bytes. */
amdsmi_status_t amdsmi_get_gpu_memory_usage(amdsmi_processor_handle processor_handle,
                                            int mem_type, uint64_t *used) {
  ENTER("amdsmi_get_gpu_memory_usage");
  int g, p;
  if (!resolve(processor_handle, &g, &p) || used == NULL) return AMDSMI_STATUS_INVAL;
  if (mem_type != AMDSMI_MEM_TYPE_VRAM) return AMDSMI_STATUS_NOT_SUPPORTED;
  *used = (uint64_t)(g * 8 + p + 1) * GIB + 4096ULL * (uint64_t)p;
  return AMDSMI_STATUS_SUCCESS;
}

/* gfx_activity: 10 + 40 * gpu + 3 * partition percent; the other fields hold decoys. */
amdsmi_status_t amdsmi_get_gpu_activity(amdsmi_processor_handle processor_handle,
                                        amdsmi_engine_usage_t *info) {
  ENTER("amdsmi_get_gpu_activity");
  int g, p;
  if (!resolve(processor_handle, &g, &p) || info == NULL) return AMDSMI_STATUS_INVAL;
  info->gfx_activity = (uint32_t)(10 + 40 * g + 3 * p);
  info->umc_activity = 99;
  info->mm_activity = 98;
  for (int i = 0; i < 13; i++) info->reserved[i] = 0xFFFFFFFFu;
  return AMDSMI_STATUS_SUCCESS;
}

/* BDF: domain 0, bus 0x0c + 0x10 * gpu, device 0, function = partition. */
amdsmi_status_t amdsmi_get_gpu_device_bdf(amdsmi_processor_handle processor_handle,
                                          amdsmi_bdf_t *bdf) {
  ENTER("amdsmi_get_gpu_device_bdf");
  int g, p;
  if (!resolve(processor_handle, &g, &p) || bdf == NULL) return AMDSMI_STATUS_INVAL;
  bdf->as_uint = 0;
  bdf->domain_number = 0;
  bdf->bus_number = (uint64_t)(0x0c + 0x10 * g);
  bdf->device_number = 0;
  bdf->function_number = (uint64_t)p;
  return AMDSMI_STATUS_SUCCESS;
}
