;; Loops forever: stopped by fuel, or by the deadline when the fuel is huge.
(module
  (func (export "spin")
    (loop $l (br $l)))
  (func (export "ok") (result i32) (i32.const 42))
)
