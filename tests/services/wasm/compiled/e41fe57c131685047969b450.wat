(module
  ;; Recursion in the first pass of a loop checked where it branches back: the check
  ;; comes before the call, with the charge of that first pass where the loop is entered.
  (func $r (export "r") (param $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (call $r (local.get $n))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))))