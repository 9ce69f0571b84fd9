;; passthrough: the one module written in WAT. For every channel-0 sample of the batch it updates
;; a moving average over the last 4 values and writes it as derived channel 18. Also the module the
;; latency benchmarks call: one guest call per batch, one host call per sample.
(module
  (import "ssoc" "sample_count" (func $sample_count (result i32)))
  (import "ssoc" "read_samples" (func $read_samples (param i32 i32 i32) (result i32)))
  (import "ssoc" "write_sample" (func $write_sample (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; ring of the last 4 values at 0..16, samples are read into 64.. (16 bytes each, 64 at a time)
  (global $next (mut i32) (i32.const 0))
  (global $filled (mut i32) (i32.const 0))
  (func (export "ssoc_init") (result i32)
    (global.set $next (i32.const 0))
    (global.set $filled (i32.const 0))
    (i32.const 0))
  (func (export "ssoc_on_batch") (param $count i32) (result i32)
    (local $first i32) (local $n i32) (local $i i32) (local $p i32) (local $sum i32)
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_s (local.get $first) (local.get $count)))
        (local.set $n (call $read_samples (local.get $first) (i32.const 64) (i32.const 64)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $i (i32.const 0))
        (block $chunk_done
          (loop $samples
            (br_if $chunk_done (i32.ge_s (local.get $i) (local.get $n)))
            (local.set $p (i32.add (i32.const 64) (i32.shl (local.get $i) (i32.const 4))))
            ;; channel 0 and status ok
            (if (i32.and
                  (i32.eqz (i32.load8_u offset=12 (local.get $p)))
                  (i32.eqz (i32.load8_u offset=13 (local.get $p))))
              (then
                (i32.store (i32.shl (global.get $next) (i32.const 2)) (i32.load offset=8 (local.get $p)))
                (global.set $next (i32.and (i32.add (global.get $next) (i32.const 1)) (i32.const 3)))
                (if (i32.lt_s (global.get $filled) (i32.const 4))
                  (then (global.set $filled (i32.add (global.get $filled) (i32.const 1)))))
                (local.set $sum (i32.add (i32.add (i32.load (i32.const 0)) (i32.load (i32.const 4)))
                                         (i32.add (i32.load (i32.const 8)) (i32.load (i32.const 12)))))
                (drop (call $write_sample (i32.const 18) (i32.div_s (local.get $sum) (global.get $filled))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $samples)))
        (local.set $first (i32.add (local.get $first) (local.get $n)))
        (br $chunks)))
    (i32.const 0)))
