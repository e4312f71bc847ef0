;; A memory that may grow to 16 MiB, one call at a time: grow(pages) answers memory.grow's
;; result (the old size in pages, or -1 when the host cannot give the memory).
(module
  (memory 1 256)
  (func (export "grow") (param $pages i32) (result i32)
    (memory.grow (local.get $pages)))
  (func (export "ok") (result i32) (i32.const 42))
)
