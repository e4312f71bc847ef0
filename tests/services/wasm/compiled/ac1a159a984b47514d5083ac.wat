;; CPU-bound kernels written by hand, as the instrumenter sees real code: a tight counting
;; loop, doubly recursive fib, 64-bit bit mixing (splitmix64) and an insertion sort over
;; memory. Used by test_instrument.py for identical results and exact fuel.
(module
  (memory (export "memory") 1 1)

  (func $sum (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (loop $next
        (local.set $s (i32.add (local.get $s) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_s (local.get $i) (local.get $n)))))
    (local.get $s))

  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  (func $mix (export "mix") (param $n i32) (result i64) (local $x i64)
    (local.set $x (i64.const 0x9e3779b97f4a7c15))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $x (i64.mul (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 30)))
                               (i64.const 0xbf58476d1ce4e5b9)))
        (local.set $x (i64.mul (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 27)))
                               (i64.const 0x94d049bb133111eb)))
        (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 31))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $x))

  ;; Fills n words (n <= 16384) with xorshift values, sorts them, returns a checksum.
  (func $sort (export "sort") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $v i32) (local $x i32) (local $h i32)
    (local.set $x (i32.const 12345))
    (loop $fill
      (if (i32.lt_u (local.get $i) (local.get $n))
        (then
          (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
          (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
          (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
          (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $x))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $fill))))
    (local.set $i (i32.const 1))
    (block $sorted
      (loop $outer
        (br_if $sorted (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (i32.load (i32.shl (local.get $i) (i32.const 2))))
        (local.set $j (local.get $i))
        (block $placed
          (loop $shift
            (br_if $placed (i32.eqz (local.get $j)))
            (br_if $placed (i32.le_u (i32.load (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 2)))
                                     (local.get $v)))
            (i32.store (i32.shl (local.get $j) (i32.const 2))
                       (i32.load (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 2))))
            (local.set $j (i32.sub (local.get $j) (i32.const 1)))
            (br $shift)))
        (i32.store (i32.shl (local.get $j) (i32.const 2)) (local.get $v))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $hash
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31))
                               (i32.load (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $hash)))
    (local.get $h))

  ;; An endless loop: only fuel stops it.
  (func (export "spin") (loop $forever (br $forever)))

  ;; Endless recursion with no loop: only the checks before calls stop it (or the stack).
  (func $down (export "down") (param $n i32) (result i32)
    (call $down (i32.add (local.get $n) (i32.const 1))))
)
