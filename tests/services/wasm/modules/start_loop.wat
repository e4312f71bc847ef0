;; Its start function never returns.
(module
  (func $start (loop $l (br $l)))
  (start $start)
  (func (export "ok") (result i32) (i32.const 42))
)
