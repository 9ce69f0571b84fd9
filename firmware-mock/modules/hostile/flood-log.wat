;; Hostile: calls `log` forever. Past the quota of 4 lines each call returns at once, so fuel
;; alone (host calls cost none) would let this run for seconds; the host-call budget and the
;; deadline checked inside host functions stop it.
(module
  (import "ssoc" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "flood")
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (loop $again
      (call $log (i32.const 1) (i32.const 0) (i32.const 5))
      (br $again))
    (i32.const 0)))
