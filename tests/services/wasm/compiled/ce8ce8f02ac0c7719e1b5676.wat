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
  block $v3 (result i32)
  local.get $b
  local.get $x
  br_if $v3
  i32.const 7
  i32.add
  end
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.and
  global.set $g
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  nop
  i32.const 131
  global.get $g
  i32.shr_u
  local.get $a
  local.get $b
  i32.sub
  i32.shr_u)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  i32.const 27
  i32.const 75
  i32.xor
  return
  block
  nop
  end
  nop
  i32.const 87
  i32.const 1020
  i32.and
  i32.load
  local.get $b
  i32.eqz
  i32.sub)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 261
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  block (result i32 i32)
  local.get $x
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  i32.const 288
  memory.copy
  global.get $g
  local.get $a
  i32.const 4
  call_indirect (type $t)
  local.get $x
  local.get $b
  i32.xor
  i32.shr_u
  global.set $g
  nop
  i32.const 15
  local.get $x
  i32.const 4
  call_indirect (type $t)
  block (result i32 i32)
  local.get $x
  i32.const 291
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1
  i32.or
  i32.div_u)
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
