;; A memory without a declared maximum: refused at deploy.
(module
  (memory 1)
  (func (export "ok") (result i32) (i32.const 42))
)
