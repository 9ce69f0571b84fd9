;; Hostile: publishes forever (over the quota every call returns -1 at once).
(module
  (import "ssoc" "publish" (func $publish (param i32 i32 i64) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "flood")
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (loop $again
      (drop (call $publish (i32.const 0) (i32.const 5) (i64.const 1)))
      (br $again))
    (i32.const 0)))
