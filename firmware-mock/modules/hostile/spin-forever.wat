;; Hostile: spins forever. Its manifest asks for no fuel or deadline of its own, so with generous
;; caps (`--fuel`, `--deadline-ms`) one call runs for as long as the caps allow: the SIGTERM test
;; uses it to show that a stop request ends a call that is still running.
(module
  (memory (export "memory") 1)
  (func (export "ssoc_init") (result i32) (i32.const 0))
  (func (export "ssoc_on_batch") (param i32) (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))
