;; Hostile: copies the whole batch (up to 4096 records, 64 KiB) into its memory, forever.
(module
  (import "ssoc" "read_samples" (func $read (param i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (loop $again
      (drop (call $read (i32.const 0) (i32.const 0) (i32.const 4096)))
      (br $again))
    (i32.const 0)))
