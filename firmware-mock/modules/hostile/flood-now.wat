;; Hostile: reads the grant's time forever (the cheapest host call there is).
(module
  (import "ssoc" "now_ns" (func $now (result i64)))
  (memory (export "memory") 1)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (loop $again
      (drop (call $now))
      (br $again))
    (i32.const 0)))
