;; Hostile: imports a function the host does not offer at all (env.system).
(module
  (import "env" "system" (func $system (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (drop (call $system (i32.const 0)))
    (i32.const 0)))
