(module
  (type $i_i (func (param i32) (result i32)))
  (type $i_ii (func (param i32) (result i32 i32)))
  ;; A loop taking its counter as a parameter and an if without else that passes a value
  ;; through: the instrumenter adds an else (the charge of the false edge) to such ifs.
  (func (export "count") (param $n i32) (result i32)
    local.get $n
    loop $l (type $i_i)
      i32.const 1
      i32.sub
      local.tee $n
      local.get $n
      i32.const 1
      i32.and
      if (type $i_i)
        i32.const 3
        i32.add
      end
      drop
      local.get $n
      local.get $n
      i32.const 0
      i32.gt_s
      br_if $l
    end)
  (func (export "split") (param i32) (result i32)
    local.get 0
    block (type $i_ii)
      i32.const 10
      i32.rem_u
      local.get 0
      i32.const 10
      i32.div_u
      local.get 0
      i32.eqz
      br_if 0
    end
    i32.mul)
  ;; Loops without calls keep the counter in a local: leaving the function from inside one
  ;; (br_if or br_table to the function's label, return) must write it back first.
  (global $ticks (mut i32) (i32.const 0))
  (func (export "early") (param $n i32) (result i32) (local $i i32)
    loop $l
      local.get $i
      i32.const 1
      i32.add
      local.set $i
      local.get $i
      local.get $i
      local.get $n
      i32.ge_u
      br_if 1
      drop
      local.get $i
      i32.const 100
      i32.gt_u
      if
        i32.const -1
        return
      end
      br $l
    end
    i32.const 0)
  (func (export "tick") (param $n i32)
    loop $l
      global.get $ticks
      i32.const 1
      i32.add
      global.set $ticks
      local.get $n
      i32.const 1
      i32.sub
      local.tee $n
      i32.eqz
      br_table $l 1
    end)
  (func (export "ticks") (result i32) global.get $ticks)
  (func (export "table") (param i32) (result i32)
    (block $c (block $b (block $a (br_table $a $b $c (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30)))