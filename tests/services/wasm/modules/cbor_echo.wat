;; ABI v1 module in plain WAT: replies {"ok": ARGS} by writing the map header in front of
;; the argument bytes (ea_alloc leaves 4 bytes of room), plus replies that break the ABI.
(module
  ;; @abi 1  (build.py appends the custom section "edge-agent.abi" = "1"; wabt drops @custom)
  (memory (export "memory") 1 2)
  (global $next (mut i32) (i32.const 1024))
  (global $calls (mut i32) (i32.const 0))
  ;; A bump allocator reset at each call: the buffer starts 4 bytes into the arena.
  (func (export "ea_alloc") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 60000)) (then (return (i32.const 0))))
    (i32.add (i32.const 1024) (i32.const 4)))
  ;; {"ok": <the argument array>}
  (func (export "echo") (param $ptr i32) (param $len i32) (result i64)
    (i32.store8 (i32.sub (local.get $ptr) (i32.const 4)) (i32.const 0xa1))
    (i32.store8 (i32.sub (local.get $ptr) (i32.const 3)) (i32.const 0x62))
    (i32.store8 (i32.sub (local.get $ptr) (i32.const 2)) (i32.const 0x6f))
    (i32.store8 (i32.sub (local.get $ptr) (i32.const 1)) (i32.const 0x6b))
    (i64.or
      (i64.shl (i64.extend_i32_u (i32.sub (local.get $ptr) (i32.const 4))) (i64.const 32))
      (i64.extend_i32_u (i32.add (local.get $len) (i32.const 4)))))
  ;; {"ok": N} where N counts the calls since deploy (state in a global).
  (func (export "count") (param $ptr i32) (param $len i32) (result i64)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store8 (i32.const 0) (i32.const 0xa1))
    (i32.store (i32.const 1) (i32.const 0x6b6f62)) ;; 62 6f 6b 00 = text(2) "ok"
    (i32.store8 (i32.const 4) (i32.const 0x19))    ;; uint16 follows
    (i32.store8 (i32.const 5) (i32.shr_u (global.get $calls) (i32.const 8)))
    (i32.store8 (i32.const 6) (global.get $calls))
    (i64.const 7))
  ;; {"err": "nope", "code": 42}
  (func (export "fail") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 256) (i64.const 32)) (i64.const 17)))
  (data (i32.const 256) "\a2\63err\64nope\64code\18\2a")
  ;; Not CBOR: a break code.
  (func (export "garbage") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 300) (i64.const 32)) (i64.const 1)))
  (data (i32.const 300) "\ff")
  ;; A reply pointer outside memory.
  (func (export "wild") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 0x7ffffff0) (i64.const 32)) (i64.const 16)))
  ;; A reply longer than memory (and than any reply limit).
  (func (export "huge") (param i32 i32) (result i64)
    (i64.const 0x7fffffff))
  ;; A map without "ok" or "err": {"x": 1}
  (func (export "shapeless") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 320) (i64.const 32)) (i64.const 4)))
  (data (i32.const 320) "\a1\61x\01")
  ;; {"ok": h'0102ff'}: bytes reach the script as a list of numbers.
  (func (export "bytes") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 340) (i64.const 32)) (i64.const 8)))
  (data (i32.const 340) "\a1\62ok\43\01\02\ff")
  (func (export "boom") (param i32 i32) (result i64) unreachable)
  ;; A numeric export in an ABI module stays numeric.
  (func (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
)
