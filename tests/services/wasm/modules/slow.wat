;; Counts down from n, then returns 1: a call that takes as long as the caller asks.
(module
  (func (export "work") (param $n i64) (result i32)
    (block $done
      (loop $l
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $l)))
    (i32.const 1))
)
