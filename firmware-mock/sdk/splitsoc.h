/*
 * splitsoc.h: the SplitSoC module ABI, version 1, for freestanding C compiled with
 *   clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry
 *
 * Normative companion of docs/module-abi.md. A module:
 *   - exports its linear memory as "memory" (wasm-ld does this by default);
 *   - exports ssoc_init and ssoc_on_batch (use SSOC_EXPORT);
 *   - imports only host functions of the "ssoc" import module, and only those in the capabilities
 *     its manifest declares (the loader refuses anything else);
 *   - carries a manifest in the "splitsoc.manifest" custom section (FirmwareBuild appends it from
 *     the module's NAME.manifest file; see docs/module-abi.md §Manifest).
 *
 * Memory passing: every pointer is an offset into the module's own linear memory; the host
 * bounds-checks every (pointer, length) pair and traps the call on a bad one. The host never keeps
 * a guest pointer after the call returns. All integers are little-endian two's complement.
 */
#ifndef SPLITSOC_H
#define SPLITSOC_H

#define SSOC_ABI_VERSION 1

#if defined(__wasm__) && !defined(__wasi__)
typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;
typedef unsigned long size_t;
#else
#include <stddef.h>
#include <stdint.h>
#endif

#if defined(__wasm__)
#define SSOC_IMPORT(name) __attribute__((import_module("ssoc"), import_name(#name)))
#define SSOC_EXPORT(name) __attribute__((export_name(#name)))
#else
/* Native builds (the benchmark's baseline: the same C linked with native-harness.c). */
#define SSOC_IMPORT(name)
#define SSOC_EXPORT(name)
#endif

/* Sample status, as on the wire (SPEC §3.6). */
#define SSOC_STATUS_OK 0
#define SSOC_STATUS_STALE 1
#define SSOC_STATUS_FAULT 2

/* Hardware channels (engineering units, board-independent; docs/architecture.md). */
#define SSOC_CH_TEMPERATURE 0   /* milli-degC as measured */
#define SSOC_CH_SETPOINT 1      /* milli-degC */
#define SSOC_CH_HEATER_DUTY 2   /* permille */
#define SSOC_CH_MOTOR_SPEED 3   /* milli-rad/s */
#define SSOC_CH_MOTOR_SETPOINT 4
/* Derived channels written by modules start here (ssoc_write_sample refuses lower ones). */
#define SSOC_CH_DERIVED_FIRST 16
#define SSOC_CH_FILTERED_TEMPERATURE 16 /* milli-degC, written by calibrate-filter */
#define SSOC_CH_ANOMALY_SCORE 17        /* permille, written by anomaly */

/* Command targets (docs/architecture.md). */
#define SSOC_TARGET_HEATER_DUTY 1     /* permille 0..1000 */
#define SSOC_TARGET_SETPOINT 2        /* milli-degC */
#define SSOC_TARGET_MOTOR_DUTY 3      /* permille -1000..1000 */

/* Log levels. */
#define SSOC_LOG_DEBUG 0
#define SSOC_LOG_INFO 1
#define SSOC_LOG_WARN 2
#define SSOC_LOG_ERROR 3

/* One sample of the current batch, 16 bytes, as ssoc_read_samples writes it. */
typedef struct ssoc_sample {
    int64_t timestamp_ns; /* tick x tick period: virtual time in virtual-clock mode */
    int32_t milli_value;  /* engineering value in milli-units */
    uint8_t channel;
    uint8_t status;       /* SSOC_STATUS_* */
    uint16_t reserved;    /* 0 */
} ssoc_sample;

_Static_assert(sizeof(ssoc_sample) == 16, "ssoc_sample is 16 bytes");

/* ---- capability "samples.read" ---------------------------------------------------------- */
/* Number of samples in the current batch (hardware samples, then derived ones written so far). */
SSOC_IMPORT(sample_count) int32_t ssoc_sample_count(void);
/* Copies up to `max` samples starting at batch index `first` to `out`; returns how many. */
SSOC_IMPORT(read_samples) int32_t ssoc_read_samples(int32_t first, ssoc_sample *out, int32_t max);
/* The newest sample of `channel` in this batch or any earlier one. Returns 1 and fills `out`, or 0. */
SSOC_IMPORT(latest) int32_t ssoc_latest(int32_t channel, ssoc_sample *out);

/* ---- capability "samples.write" --------------------------------------------------------- */
/* Appends a derived sample (channel >= SSOC_CH_DERIVED_FIRST) to the batch, visible to later
 * modules of the pipeline in the same batch. Returns 0, or -1 (bad channel / batch full). */
SSOC_IMPORT(write_sample) int32_t ssoc_write_sample(int32_t channel, int32_t milli_value);

/* ---- capability "commands.emit" --------------------------------------------------------- */
/* Queues a command for the real-time core, sent after the batch. valid_ticks 0 = board default.
 * Returns 0, or -1 when the per-batch command budget is used up. */
SSOC_IMPORT(emit_command) int32_t ssoc_emit_command(int32_t target, int32_t milli_value, int32_t valid_ticks);

/* ---- capability "telemetry.publish" ----------------------------------------------------- */
/* Publishes one named value (key: UTF-8, at most 32 bytes). Returns 0, or -1 when over budget. */
SSOC_IMPORT(publish) int32_t ssoc_publish(const char *key, int32_t key_len, int64_t value);

/* ---- capability "log" ------------------------------------------------------------------- */
/* Logs a UTF-8 message (truncated to 120 bytes; rate-limited per batch). */
SSOC_IMPORT(log) void ssoc_log(int32_t level, const char *message, int32_t len);

/* ---- capability "clock" ----------------------------------------------------------------- */
/* Time of the grant being processed (ns since session start; virtual time in virtual mode).
 * Never the wall clock, so runs are deterministic. */
SSOC_IMPORT(now_ns) int64_t ssoc_now_ns(void);
/* The tick the grant covers through (exclusive). */
SSOC_IMPORT(tick) int64_t ssoc_tick(void);

/* ---- exports a module must provide ------------------------------------------------------ */
/*   int32_t ssoc_init(void);                  once after instantiation (and after a restart);
 *                                              0 = ready, anything else refuses the module.
 *   int32_t ssoc_on_batch(int32_t count);      once per tick grant; count = samples in the batch
 *                                              when the module is called; 0 = ok, nonzero = the
 *                                              module reports a fault (counted like a trap). */

/* Small helpers (no libc). */
static inline int32_t ssoc_strlen(const char *s) { int32_t n = 0; while (s[n]) n++; return n; }
#define SSOC_LOG(level, literal) ssoc_log((level), (literal), (int32_t)(sizeof(literal) - 1))
#define SSOC_PUBLISH(literal, value) ssoc_publish((literal), (int32_t)(sizeof(literal) - 1), (int64_t)(value))

#endif /* SPLITSOC_H */
