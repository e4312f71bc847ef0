;; ABI v1 module that tells who called it, through the host import ea_caller.
(module
  ;; @abi 1  (build.py appends the custom section "edge-agent.abi" = "1")
  (import "env" "ea_caller" (func $caller (param i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (func (export "ea_alloc") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 4096)) (then (return (i32.const 0))))
    (i32.const 8192))
  ;; {"ok": <the caller's peer id>}: a1 62 'o' 'k' 78 LEN, then the id, written at 1024.
  (func (export "whoami") (param i32 i32) (result i64)
    (local $n i32)
    (local.set $n (call $caller (i32.const 1030) (i32.const 255)))
    (if (i32.gt_u (local.get $n) (i32.const 255)) (then unreachable))
    (i32.store (i32.const 1024) (i32.const 0x6b6f62a1))  ;; a1 62 6f 6b
    (i32.store8 (i32.const 1028) (i32.const 0x78))
    (i32.store8 (i32.const 1029) (local.get $n))
    (i64.or
      (i64.shl (i64.const 1024) (i64.const 32))
      (i64.extend_i32_u (i32.add (local.get $n) (i32.const 6)))))
  ;; The length ea_caller reports when given no room (it writes nothing).
  (func (export "caller_len") (result i32)
    (call $caller (i32.const 0) (i32.const 0)))
  ;; Room that ends outside memory: a trap once the id would be written there.
  (func (export "caller_out_of_bounds") (result i32)
    (call $caller (i32.const 65530) (i32.const 100)))
)
