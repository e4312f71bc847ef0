(module
  (global $g (mut i32) (i32.const 0))
  (func $bump (global.set $g (i32.add (global.get $g) (i32.const 1))))
  ;; Exits refunded where they land, right before the function's end, a return or a call
  ;; (where the counter is written back to the global).
  (func (export "tail") (param $n i32)
    (block $done (loop $l (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l))))
  (func (export "tail_return") (param $n i32)
    (block $done (loop $l (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))
    return)
  (func (export "tail_call") (param $n i32)
    (block $done (loop $l (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))
    call $bump)
  (func (export "two_exits") (param $n i32) (result i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $done (i32.eq (local.get $n) (i32.const 7)))
      (br $l)))
    (local.get $n)))