;; Imports a function the host does not provide: refused at deploy.
(module
  (import "env" "system" (func $system (param i32) (result i32)))
  (func (export "ok") (result i32) (i32.const 42))
)
