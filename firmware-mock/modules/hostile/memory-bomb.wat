;; Hostile: grows its memory by 16 pages on every batch and traps once a grow is refused
;; (memory.grow returns -1 at the memory cap; the module then stores out of bounds).
(module
  (memory (export "memory") 1)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1))
      (then (unreachable)))
    (i32.const 0)))
