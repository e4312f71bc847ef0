;; Uses every host import; numeric exports so the tests need no CBOR.
(module
  (import "env" "ea_log" (func $log (param i32 i32 i32)))
  (import "env" "ea_clock_monotonic_ns" (func $mono (result i64)))
  (import "env" "ea_clock_wall_ms" (func $wall (result i64)))
  (import "env" "ea_random" (func $random (param i32 i32) (result i32)))
  (import "env" "ea_kv_get" (func $kv_get (param i32 i32 i32 i32) (result i32)))
  (import "env" "ea_kv_put" (func $kv_put (param i32 i32 i32 i32) (result i32)))
  (import "env" "ea_kv_delete" (func $kv_delete (param i32 i32) (result i32)))
  (import "env" "ea_sensor_read" (func $sensor (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 0) "hello from wasm")       ;; 15 bytes
  (data (i32.const 16) "key")                  ;; 3 bytes
  (data (i32.const 32) "cpu_temperature")      ;; 15 bytes
  (data (i32.const 48) "nope")                 ;; 4 bytes
  (func (export "log") (param $level i32)
    (call $log (local.get $level) (i32.const 0) (i32.const 15)))
  (func (export "log_out_of_bounds")
    (call $log (i32.const 1) (i32.const 65530) (i32.const 100)))
  (func (export "mono") (result i64) (call $mono))
  (func (export "wall") (result i64) (call $wall))
  ;; Reads the wall clock n times (n host calls): what a service polled often does.
  (func (export "walls") (param $n i32) (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $n)))
        (drop (call $wall))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $more)))
    (i32.const 1))
  ;; Fills 8 bytes at 64 with random bytes; returns them as an i64.
  (func (export "random") (result i64)
    (drop (call $random (i32.const 64) (i32.const 8)))
    (i64.load (i32.const 64)))
  ;; Stores the i64 argument under "key"; returns ea_kv_put's result.
  (func (export "kv_put") (param i64) (result i32)
    (i64.store (i32.const 128) (local.get 0))
    (call $kv_put (i32.const 16) (i32.const 3) (i32.const 128) (i32.const 8)))
  ;; Reads "key" back: the stored i64, or -1 if absent.
  (func (export "kv_get") (result i64)
    (if (result i64)
      (i32.eq (call $kv_get (i32.const 16) (i32.const 3) (i32.const 136) (i32.const 8)) (i32.const 8))
      (then (i64.load (i32.const 136)))
      (else (i64.const -1))))
  (func (export "kv_delete") (result i32)
    (call $kv_delete (i32.const 16) (i32.const 3)))
  ;; The CPU temperature in degrees, or -1000 when unavailable.
  (func (export "temperature") (result f64)
    (if (result f64)
      (i32.eqz (call $sensor (i32.const 32) (i32.const 15) (i32.const 144)))
      (then (f64.load (i32.const 144)))
      (else (f64.const -1000))))
  (func (export "unknown_sensor") (result i32)
    (call $sensor (i32.const 48) (i32.const 4) (i32.const 144)))
)
