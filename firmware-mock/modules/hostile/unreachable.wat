;; Hostile: traps (unreachable) on every batch.
(module
  (memory (export "memory") 1)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (unreachable)))
