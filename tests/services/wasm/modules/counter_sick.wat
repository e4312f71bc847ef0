;; A version of the counter whose health check fails (returns 0).
;; One of the counter_* modules tests/services/test_versions*.py and docs/fleet.md update
;; between (numeric exports, no ABI section): version() names the version, bump() adds one
;; to the counter kept in the service's KV store under "count", count() reads it.
(module
  (import "env" "ea_kv_get" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "env" "ea_kv_put" (func $put (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 0) "count")
  (global $checks (mut i32) (i32.const 0))
  (func $read (result i32)
    (if (i32.eq (call $get (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 4)) (i32.const 4))
      (then (return (i32.load (i32.const 16)))))
    (i32.const 0))
  (func $write (param $value i32) (result i32)
    (i32.store (i32.const 16) (local.get $value))
    (drop (call $put (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 4)))
    (local.get $value))
  (func (export "version") (result i32) (i32.const 4))
  (func (export "bump") (result i32) (call $write (i32.add (call $read) (i32.const 1))))
  (func (export "count") (result i32) (call $read))
  (func (export "health") (result i32) (i32.const 0))
)
