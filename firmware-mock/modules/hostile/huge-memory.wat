;; Hostile: asks for 1024 pages (64 MiB) of initial memory, over any budget.
(module
  (memory (export "memory") 1024)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32) (i32.const 0)))
