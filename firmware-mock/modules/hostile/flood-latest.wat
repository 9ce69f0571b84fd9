;; Hostile: asks for the latest sample of a channel nobody writes, forever: each call scans the
;; whole batch, so each costs more than a plain host call.
(module
  (import "ssoc" "latest" (func $latest (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (loop $again
      (drop (call $latest (i32.const 200) (i32.const 0)))
      (br $again))
    (i32.const 0)))
