;; Hostile: fills 4 MiB of memory per instruction, forever (bulk memory: one operator, megabytes
;; of work).
(module
  (memory (export "memory") 64)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (loop $again
      (memory.fill (i32.const 0) (i32.const 7) (i32.const 4194304))
      (br $again))
    (i32.const 0)))
