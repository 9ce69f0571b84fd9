;; Hostile: asks the host to write samples far outside its linear memory. The host bounds-checks
;; the pointer and traps the call instead of touching host memory.
(module
  (import "ssoc" "read_samples" (func $read (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (call $read (i32.const 0) (i32.const 0x7fff0000) (i32.const 64))))
