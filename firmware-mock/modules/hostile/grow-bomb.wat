;; Hostile: grows its memory one page at a time, forever. Each grow copies the whole memory (up to
;; the 256-page cap, 16 MiB) for one fuel; refused grows past the cap still call the limiter.
(module
  (memory (export "memory") 1)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (loop $again
      (drop (memory.grow (i32.const 1)))
      (br $again))
    (i32.const 0)))
