(module
  (memory 1 4)
  ;; Loops doing only i64 arithmetic: the counter becomes an i32 window on the fuel.
  (func (export "down") (param $n i64) (result i64) (local $s i64)
    (block $done
      (loop $l
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $s (i64.add (local.get $s) (local.get $n)))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $l)))
    (local.get $s))
  (func (export "fill") (param $n i64) (param $len i32) (result i64)
    (memory.fill (i32.const 0) (i32.const 9) (local.get $len))
    (loop $l
      (local.set $n (i64.sub (local.get $n) (i64.const 1)))
      (br_if $l (i64.gt_s (local.get $n) (i64.const 0))))
    (local.get $n))
  (func (export "spin64") (param $x i64) (result i64)
    (loop $l (local.set $x (i64.add (local.get $x) (i64.const 1))) (br $l))
    (local.get $x)))