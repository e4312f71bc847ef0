(module
  (type $t (func (param i32 i32) (result i32)))
  (memory 1 2)
  (global $g (mut i32) (i32.const 1))
  (table 5 funcref)
  (elem (i32.const 0) $f0 $f1 $f2 $f3 $f4)
  (func $rec (export "rec") (param $d i32) (param $v i32) (result i32)
    local.get $d
    i32.eqz
    if (result i32)
      local.get $v
    else
      local.get $d i32.const 1 i32.sub local.get $v i32.const 3 i32.mul i32.const 1 i32.add call $rec
      local.get $d i32.const 1 i32.sub local.get $v call $rec
      i32.add
    end)
(func $f0 (export "f0") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block (result i32 i32)
  i32.const 219
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.set $g
  local.get $a
  if (result i32)
  global.get $g
  else
  i32.const 33
  end
  i32.const 511
  i32.and
  global.get $g
  i32.eqz
  i32.const 511
  i32.and
  i32.const 300
  memory.copy
  local.get $a
  i32.const 264
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  i32.load)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  local.get $a
  local.get $x
  i32.sub
  i32.const 511
  i32.and
  block $v1 (result i32)
  local.get $b
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  i32.const 180
  memory.copy
  i32.const 1
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  nop
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l2
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  nop
  block $v3 (result i32)
  local.get $b
  local.get $x
  i32.add
  local.get $a
  if (result i32)
  local.get $a
  else
  local.get $b
  end
  br_if $v3
  i32.const 7
  i32.add
  end)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 0
  memory.grow
  global.set $g
  nop
  local.get $b
  i32.const 27
  i32.mul
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1
  i32.or
  i32.div_u)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  local.get $x
  local.get $b
  i32.sub
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  i32.const 2
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  return
  loop
  br 0
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  i32.const 1
  memory.grow
  global.set $g
  local.get $a
  local.get $b
  i32.shr_u
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.rotl
  local.set $a
  i32.const 3
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.and
  call $rec
  global.set $g
  i32.const 3
  local.get $x
  i32.eqz
  i32.const 3
  i32.and
  call $rec)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  i32.const 0
  memory.grow
  global.set $g
  memory.size
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 1
  i32.or
  i32.div_u))
