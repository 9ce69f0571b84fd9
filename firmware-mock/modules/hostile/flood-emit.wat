;; Hostile: emits commands forever (over the quota every call returns -1 at once).
(module
  (import "ssoc" "emit_command" (func $emit (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (loop $again
      (drop (call $emit (i32.const 1) (i32.const 0) (i32.const 0)))
      (br $again))
    (i32.const 0)))
