;; Hostile: spins forever in ssoc_on_batch. Stopped by the fuel budget (out of fuel).
(module
  (memory (export "memory") 1)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))
