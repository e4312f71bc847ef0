;; Grows its memory one page at a time and writes to each new page, without bound.
(module
  (memory 1 8)
  (func (export "grow_forever")
    (loop $l
      (i32.store (i32.mul (memory.grow (i32.const 1)) (i32.const 65536)) (i32.const 1))
      (br $l)))
  (func (export "ok") (result i32) (i32.const 42))
)
