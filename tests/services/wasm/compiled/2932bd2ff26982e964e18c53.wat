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
  local.get $x
  local.get $x
  i32.const 1
  call_indirect (type $t)
  i32.const 511
  i32.and
  i32.const 82
  local.get $x
  i32.and
  i32.const 511
  i32.and
  i32.const 168
  memory.copy
  nop
  nop
  i32.const 38
  local.get $b
  i32.shl
  i32.const 1023
  i32.and
  global.get $g
  i32.const 186
  call $f2
  i32.const 175
  memory.fill
  local.get $x
  if (result i32)
  local.get $b
  else
  local.get $a
  end
  local.get $x
  local.get $x
  i32.shr_u
  i32.shl
  local.set $a
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.eqz)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  local.get $a
  call $f4
  return
  local.get $a
  i32.const 10
  i32.or
  i32.const 511
  i32.and
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  i32.const 113
  memory.copy
  local.get $a
  i32.const 77
  i32.add
  i32.const 1023
  i32.and
  local.get $b
  local.get $b
  call $f3
  i32.const 132
  memory.fill
  i32.const 3
  local.get $b
  local.get $x
  i32.const 4
  call_indirect (type $t)
  i32.const 3
  i32.and
  call $rec)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  if (result i32)
  local.get $x
  else
  global.get $g
  end
  i32.const 5
  local.get $b
  i32.shl
  i32.const 3
  call_indirect (type $t)
  local.set $x
  global.get $g
  local.get $x
  call $f3
  i32.const 1020
  i32.and
  block $v1 (result i32)
  block (result i32 i32)
  global.get $g
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  block (result i32 i32)
  global.get $g
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.store
  local.get $a
  i32.const 29
  i32.shl
  if $i2
  i32.const 160
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  i32.const 6
  local.get $b
  i32.and
  i32.eqz
  i32.store
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  global.get $g
  i32.const 23
  i32.shl
  i32.shr_u
  global.set $g
  local.get $x
  local.get $a
  i32.mul
  br_if $i2
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  br_if $i2
  else
  br $i2
  global.get $g
  i32.const 222
  i32.shr_u
  br_if $i2
  i32.const 180
  i32.const 1020
  i32.and
  i32.load
  br_if $i2
  block $b3
  global.get $g
  i32.eqz
  br_if $b3
  global.get $g
  local.get $x
  i32.and
  i32.const 1020
  i32.and
  local.get $x
  local.get $a
  i32.add
  i32.const 1020
  i32.and
  i32.load
  i32.store
  local.get $b
  i32.eqz
  br_if $b3
  nop
  end
  end
  nop
  local.get $b
  local.get $x
  i32.shl
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  global.get $g
  i32.const 24
  i32.rotl
  select)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 3
  local.get $x
  if (result i32)
  local.get $a
  else
  global.get $g
  end
  i32.const 3
  i32.and
  call $rec
  local.set $x
  i32.const 3
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $x
  local.get $a
  i32.const 4
  call_indirect (type $t)
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l1
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  i32.const 70
  local.get $a
  local.get $b
  select
  i32.const 511
  i32.and
  local.get $b
  local.get $x
  i32.rotl
  i32.const 511
  i32.and
  i32.const 123
  memory.copy
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  local.get $x
  local.get $b
  i32.mul
  i32.const 168
  memory.fill
  nop
  local.get $a
  i32.eqz
  local.get $x
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  call $f4)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  local.get $x
  i32.add
  local.get $b
  local.get $b
  i32.rotl
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  memory.size
  i32.const 1023
  i32.and
  local.get $a
  i32.eqz
  i32.const 142
  memory.fill
  i32.const 3
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.and
  call $rec))
